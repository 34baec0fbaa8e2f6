-- Scenarios (a) and (b) of benches/run: one user class, one task doing one GET of /, no
-- wait — the same load as `wrk -c N`, so CPU per request compares engine against engine.
local cicada = require("cicada")

local GetUser = cicada.HttpUser:extend("GetUser", {})

GetUser:task(function(self)
  self.client:get("/")
end)
