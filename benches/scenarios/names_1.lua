-- Scenario (e) of benches/run, the baseline: names_1000.lua with one name instead of 1,000,
-- the same Lua work per request, so the throughput ratio measures only the cost of many
-- stats entries.
local cicada = require("cicada")

local NAMES = 1

local OneName = cicada.HttpUser:extend("OneName", {})

OneName:task(function(self)
  self.client:get("/item/" .. math.random(NAMES))
end)
