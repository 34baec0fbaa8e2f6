-- The methods of self.client (see client.rs): get, post, put, patch, delete, head, options
-- and request, each (path, opts?, callback?). `send` does the request in Rust; a callback
-- (catch_response) runs here, so it may sleep or make requests, and its errors keep their
-- identity (StopUser stays StopUser) when re-raised.
local send, settle, STOP, QUIT, pcall = ...
local rawequal, type, error = rawequal, type, error

local function settled(resp, ok, ...)
  if ok then
    settle(resp, nil)
    return resp
  end
  local err = ...
  if rawequal(err, STOP) or rawequal(err, QUIT) then
    settle(resp, nil)
  else
    settle(resp, err)
  end
  error(err, 0)
end

local function request(self, method, path, opts, callback)
  if callback == nil then
    if type(opts) ~= "function" then
      return send(self, method, path, opts, false)
    end
    opts, callback = nil, opts
  end
  local resp = send(self, method, path, opts, true)
  return settled(resp, pcall(callback, resp))
end

local M = { request = request }
for _, method in ipairs({ "get", "post", "put", "patch", "delete", "head", "options" }) do
  local METHOD = method:upper()
  M[method] = function(self, path, opts, callback)
    return request(self, METHOD, path, opts, callback)
  end
end
return M
