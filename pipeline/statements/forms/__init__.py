"""The forms a statement takes, one module each: quote ("…," Peskov said), reported (Peskov
said that …), according (According to Peskov, …), headline (Peskov: "…") and passive (Peskov
was quoted as saying …); clause holds what they share."""
