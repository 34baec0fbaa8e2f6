-- A load shape: Locust's "time based stages like K6" example, in Lua. The shape, not -u,
-- -r or -t, sets the users: 10 for 10 s, 20 until 25 s, back to 5 until 35 s, then the run
-- ends by itself. Try it with `cicada demo -f examples/load_shape.lua` (the demo's own
-- -u, -r and -t are then logged as ignored).
local cicada = require("cicada")

local User = cicada.HttpUser:extend("Browser", {
  wait_time = cicada.between(0.5, 1.5),
})

User:task(3, function(self)
  self.client:get("/item?id=" .. math.random(0, 99), { name = "/item" })
end)

User:task(function(self)
  self.client:get("/hello")
end)

local Stages = cicada.LoadTestShape:extend("StagesShape", {
  -- Each stage lasts until `until_s` seconds into the run.
  stages = {
    { until_s = 10, users = 10, spawn_rate = 10 },
    { until_s = 25, users = 20, spawn_rate = 5 },
    { until_s = 35, users = 5, spawn_rate = 10 },
  },
})

function Stages:tick()
  local run_time = self:get_run_time()
  for _, stage in ipairs(self.stages) do
    if run_time < stage.until_s then
      return stage.users, stage.spawn_rate
    end
  end
  return nil -- past the last stage: stop the test
end
