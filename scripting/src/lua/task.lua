-- The trampoline every call into script code goes through (see task.rs): it runs `fn`
-- under xpcall and turns the way it ended into plain values Rust can read cheaply:
-- 0 (returned), 1 (StopUser), 2 (runner:quit()), 3, message, traceback (an error), or the
-- code CONTROL gives a TaskSet control value (RescheduleTask, interrupt...: see taskset.rs).
-- The error handler runs where the error happened, so the message and traceback point at
-- the script's line.
local STOP, QUIT, describe, traceback, xpcall, CONTROL = ...
local rawequal, type, tostring = rawequal, type, tostring

local function handler(e)
  if rawequal(e, STOP) or rawequal(e, QUIT) or CONTROL[e] then
    return e
  end
  return { describe(e), traceback(nil, 2) }
end

local function outcome(ok, err)
  if ok then
    return 0
  elseif rawequal(err, STOP) then
    return 1
  elseif rawequal(err, QUIT) then
    return 2
  elseif CONTROL[err] then
    return CONTROL[err]
  elseif type(err) == "table" then
    return 3, err[1], err[2]
  end
  return 3, tostring(err), ""
end

return function(fn, ...)
  return outcome(xpcall(fn, handler, ...))
end
