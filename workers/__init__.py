"""wirewatch's running system, in layers that import only downward (import-linter checks it):

    interfaces   cli/, web/, supervisor, redis_embedded, demo/
    runtime      jobs/, delivery, queueing, scheduler, worker, reload, context, retries
    services     services (Services, Queues, connect, which Redis), metrics, overview
    store        store/: every Redis key and Lua script

The domain it runs is pipeline/, which knows nothing of this package. docs/architecture.md has
the map: every module, one article followed from poll to delivered alert, how to add a kind.
"""
