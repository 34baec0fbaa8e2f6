-- Coroutines that cooperate with the event loop (see yield_fix.rs).
--
-- * coroutine.yield() on a task's own coroutine gives the event loop a real turn (like
--   cicada.sleep(0)) instead of making the shard re-run the task at once.
-- * Coroutines a script creates keep the standard semantics, and async calls made inside
--   them (HTTP requests, cicada.sleep) wait in the task that resumes them.
-- * Errors caught by resume/wrap are re-raised once the runaway guard has tripped.
local PENDING, sleep0, tripped = ...
local co = coroutine
local create, resume, yield = co.create, co.resume, co.yield
local status, running, isyieldable, close = co.status, co.running, co.isyieldable, co.close
local select, error, type = select, error, type

-- Coroutines created by scripts (weak keys: they are forgotten when collected).
local mine = setmetatable({}, { __mode = "k" })

local function create_mine(f)
  local c = create(f)
  mine[c] = true
  return c
end

local pump

-- `c` is waiting on an async call: suspend the caller until the event loop wakes it, then
-- resume `c` to let the call go on. Values passed back mean the task is being cancelled:
-- pass the cancellation on to `c` and stay suspended.
local function relay(c, ...)
  if select("#", ...) > 0 then
    resume(c, ...)
    while true do
      yield()
    end
  end
  return pump(c, resume(c))
end

pump = function(c, ok, ...)
  if ok then
    if select("#", ...) == 1 and ... == PENDING and isyieldable() and status(c) == "suspended" then
      return relay(c, yield(PENDING))
    end
    return ok, ...
  end
  if tripped() then
    error((...), 0)
  end
  return ok, ...
end

local function unwrap(c, ok, ...)
  if ok then
    return ...
  end
  local err = ...
  if status(c) == "dead" then
    close(c)
  end
  if type(err) == "string" then
    error(err, 2)
  end
  error(err, 0)
end

co.create = create_mine

co.resume = function(c, ...)
  return pump(c, resume(c, ...))
end

co.wrap = function(f)
  local c = create_mine(f)
  return function(...)
    return unwrap(c, pump(c, resume(c, ...)))
  end
end

co.yield = function(...)
  if ... == PENDING or mine[running()] or not isyieldable() then
    return yield(...)
  end
  sleep0(0)
end
