-- The methods of self.client (see client.rs): get, post, put, patch, delete, head, options
-- and request, each (path, opts?, callback?), plus rest and rename_request. `send` does the
-- request in Rust; a callback (catch_response) runs here, so it may sleep or make requests,
-- and its errors keep their identity (StopUser stays StopUser) when re-raised.
local send, settle, rest_error, STOP, QUIT, pcall = ...
local rawequal, type, error = rawequal, type, error

local function stops(err)
  return rawequal(err, STOP) or rawequal(err, QUIT)
end

local function settled(resp, ok, ...)
  if ok then
    settle(resp, nil)
    return resp
  end
  local err = ...
  if stops(err) then
    settle(resp, nil)
  else
    settle(resp, err)
  end
  error(err, 0)
end

local function request(self, method, path, opts, callback)
  if callback == nil then
    if type(opts) ~= "function" then
      return send(self, method, path, opts, false, false)
    end
    opts, callback = nil, opts
  end
  local resp = send(self, method, path, opts, true, false)
  return settled(resp, pcall(callback, resp))
end

-- Locust's `rest`: an error in the callback fails the request and ends the callback, not
-- the task (StopUser and quit still go through).
local function rest(self, method, path, opts, callback)
  if callback == nil and type(opts) == "function" then
    opts, callback = nil, opts
  end
  local resp = send(self, method, path, opts, callback ~= nil, true)
  if callback ~= nil then
    local ok, err = pcall(callback, resp)
    if not ok then
      if stops(err) then
        settle(resp, nil)
        error(err, 0)
      end
      rest_error(resp, err)
    end
  end
  settle(resp, nil)
  return resp
end

local function renamed(self, previous, ok, ...)
  self.request_name = previous
  if not ok then
    error((...), 0)
  end
  return ...
end

-- Locust's `with self.client.rename_request(name):`, as a function around the block.
local function rename_request(self, name, fn, ...)
  if type(name) ~= "string" then
    error("rename_request(name, fn): name must be a string, got " .. type(name), 2)
  end
  if type(fn) ~= "function" then
    error("rename_request(name, fn): fn must be a function, got " .. type(fn), 2)
  end
  local previous = self.request_name
  self.request_name = name
  return renamed(self, previous, pcall(fn, ...))
end

local M = { request = request, rest = rest, rename_request = rename_request }
for _, method in ipairs({ "get", "post", "put", "patch", "delete", "head", "options" }) do
  local METHOD = method:upper()
  M[method] = function(self, path, opts, callback)
    return request(self, METHOD, path, opts, callback)
  end
end
return M
