-- cicada.measure(request_type, name, fn, ...): time fn (it may sleep and make requests),
-- count it as one request (a failure if it raised, with the error's text) and return what fn
-- returned, or re-raise its error. StopUser and runner:quit() pass through uncounted.
local clock, report, describe, STOP, QUIT, pcall = ...
local type, error, rawequal = type, error, rawequal

local function done(request_type, name, started, ok, ...)
  local ms = (clock() - started) * 1000
  if ok then
    report(request_type, name, ms, 0, nil)
    return ...
  end
  local err = ...
  if not (rawequal(err, STOP) or rawequal(err, QUIT)) then
    report(request_type, name, ms, 0, describe(err))
  end
  error(err, 0)
end

return function(request_type, name, fn, ...)
  if type(request_type) ~= "string" or type(name) ~= "string" or type(fn) ~= "function" then
    error("usage: cicada.measure(request_type, name, function() ... end)", 2)
  end
  return done(request_type, name, clock(), pcall(fn, ...))
end
