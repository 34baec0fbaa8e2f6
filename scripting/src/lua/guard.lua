-- The runaway guard's Lua half (see guard.rs): once the guard has raised its "ran 10s
-- without yielding" error, pcall and xpcall re-raise whatever they catch, so a script that
-- catches errors in a loop still unwinds to its task.
local tripped = ...
local pcall, xpcall, error = pcall, xpcall, error

local function check(ok, ...)
  if ok or not tripped() then
    return ok, ...
  end
  error((...), 0)
end

_G.pcall = function(f, ...)
  return check(pcall(f, ...))
end

_G.xpcall = function(f, handler, ...)
  return check(xpcall(f, handler, ...))
end
