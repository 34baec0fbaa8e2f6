-- A tour of cicada's Lua API, against the target site `cicada demo` serves.
-- See docs/scripting.md for the whole API and how it maps to Locust's.
local cicada = require("cicada")

-- Behaviour shared by several classes lives in an abstract class: never run, only extended.
local Base = cicada.HttpUser:extend("Base", {
  abstract = true,
  wait_time = cicada.between(0.5, 2),
  network_timeout = 5, -- seconds allowed for each whole response
})

function Base:on_start()
  -- The session cookie the site sets is kept by this user's client for later requests.
  self.client:post("/login", { data = { user = "demo", pass = "secret" } })
end

-- A method stored on the class names its task: "browse" in --show-task-ratio.
local Shopper = Base:extend("Shopper", { weight = 3, tags = { "shop" } })

function Shopper:browse()
  local id = math.random(1, 100)
  -- `name` groups all item URLs under one line of the stats.
  local item = self.client:get("/item?id=" .. id, { name = "/item?id=[id]" }):json()
  if item.id ~= id then
    error("asked for item " .. id .. ", got " .. tostring(item.id))
  end
end
Shopper:task(3, Shopper.browse)

Shopper:task({ name = "slow page" }, function(self)
  -- catch_response without a callback: decide later, or it is counted when the task ends.
  local resp = self.client:get("/slow?ms=200", { name = "/slow", catch_response = true })
  if resp.elapsed > 0.5 then
    resp:failure(("too slow: %.2f s"):format(resp.elapsed))
  else
    resp:success()
  end
end)

Shopper:task(function(self)
  -- catch_response with a callback: a 404 this test expects is a success.
  self.client:get("/status/404", { name = "/status/404 (expected)", catch_response = true }, function(resp)
    if resp.status_code == 404 then
      resp:success()
    end
  end)
end)

-- Exactly one admin in the whole run, starting a task every 5 s.
local Admin = Base:extend("Admin", { fixed_count = 1, wait_time = cicada.constant_pacing(5) })
Admin:task(function(self)
  local resp = self.client:get("/gzip")
  if not resp.text:find("gzip") then
    resp:raise_for_status()
    error("unexpected body: " .. resp.text)
  end
end)

-- A user that is not HTTP: `measure` times anything and counts it like a request.
local Compute = cicada.User:extend("Compute", { weight = 1, wait_time = cicada.constant(1) })
Compute:task(function(self)
  cicada.measure("compute", "sum to 100000", function()
    local s = 0
    for i = 1, 100000 do
      s = s + i
    end
    return s
  end)
end)

-- Locust's events. Each shard runs its own copy of this file, like one Locust worker.
cicada.events.test_start:add_listener(function(env)
  print("test starting against " .. tostring(env.host))
end)

local slow = 0
cicada.events.request:add_listener(function(r)
  if r.response_time and r.response_time > 1000 then
    slow = slow + 1
  end
end)

cicada.events.test_stop:add_listener(function(env)
  print(("shard %d saw %d requests slower than 1 s"):format(env.shard_index, slow))
end)
