-- Scenario (e) of benches/run: requests spread over 1,000 distinct names (the URL path is
-- the stats name), against names_1.lua's single name.
local cicada = require("cicada")

local NAMES = 1000

local ManyNames = cicada.HttpUser:extend("ManyNames", {})

ManyNames:task(function(self)
  self.client:get("/item/" .. math.random(NAMES))
end)
