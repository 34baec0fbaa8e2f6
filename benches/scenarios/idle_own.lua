-- Scenario (c) of benches/run, own connections: each user opens its own keep-alive connection
-- with one GET in on_start, then only waits, so the run holds one open connection per user.
-- Run with -u 15000 (the open-file limit is 20,000) to measure RSS per connected idle user.
local cicada = require("cicada")

local IdleOwn = cicada.HttpUser:extend("IdleOwn", {
  wait_time = cicada.constant(3600),
})

function IdleOwn:on_start()
  self.client:get("/")
end

IdleOwn:task(function(self) end)
