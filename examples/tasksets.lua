-- TaskSets and SequentialTaskSets, Locust's way of grouping tasks: run it against
-- `cicada demo`'s site, e.g. `cicada -f examples/tasksets.lua --headless -u 10 -r 5 -t 30s
-- -H http://127.0.0.1:8089` (the address `cicada demo` prints).
local cicada = require("cicada")

-- A visitor browsing items: random tasks by weight, until it has seen enough.
local Browse = cicada.TaskSet:extend("Browse", { wait_time = cicada.between(0.1, 0.3) })

function Browse:on_start()
  self.seen = 0
end

Browse:task(3, function(self)
  self.client:get("/item?id=" .. math.random(0, 9), { name = "/item" })
  self.seen = self.seen + 1
  if self.seen >= 5 then
    -- Back to the user, which picks its next task at once.
    self:interrupt()
  end
end)

Browse:task(1, function(self)
  self.client:get("/slow?ms=50", { name = "/slow" })
end)

-- A checkout flow: always in this order, then back to the user after its wait.
local Checkout = cicada.SequentialTaskSet:extend("Checkout")

Checkout:task(function(self)
  self.client:post("/login", { json = { username = "foo", password = "bar" } })
end)

Checkout:task(function(self)
  local r = self.client:get("/item?id=1", { name = "/item" })
  if not r.ok then
    -- Skip the rest of this task; the set waits, then goes on with its next task.
    error(cicada.RescheduleTask)
  end
  self.client:get("/hello")
end)

Checkout:task(Browse) -- sets nest: Browse runs until it interrupts, then Checkout goes on

Checkout:task(function(self)
  self.client:get("/world")
  self:interrupt(false)
end)

local Shopper = cicada.HttpUser:extend("Shopper", { wait_time = cicada.between(0.5, 1) })

Shopper:task(3, Browse)
Shopper:task(1, Checkout)
Shopper:task(1, function(self)
  self.client:get("/hello")
end)
