"""The forms a statement takes, one module each: quote ("…," Peskov said), reported (Peskov
said that …), coordinated (Peskov arrived and told reporters that …), according (According to
Peskov, …), headline (Peskov: "…"), passive (Peskov was quoted as saying …), refusal (Peskov
declined to comment on …), later (the words, then "Об этом заявил Песков.") and absolute (…, with
Peskov saying …); clause holds what they share."""
