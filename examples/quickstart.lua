-- The quickstart scenario: what `cicada demo` runs against its built-in target site.
-- It is Locust's quickstart locustfile, in Lua.
local cicada = require("cicada")

local User = cicada.HttpUser:extend("QuickstartUser", {
  wait_time = cicada.between(1, 5),
})

function User:on_start()
  self.client:post("/login", { json = { username = "foo", password = "bar" } })
end

User:task(1, function(self)
  self.client:get("/hello")
  self.client:get("/world")
end)

User:task(3, { tags = { "items" } }, function(self)
  for id = 0, 9 do
    self.client:get("/item?id=" .. id, { name = "/item" })
    cicada.sleep(1)
  end
end)

User:task(function(self)
  -- catch_response: decide whether the request failed before it is reported.
  self.client:get("/", { catch_response = true }, function(resp)
    if resp.text ~= "Success" then
      resp:failure("Got wrong response")
    end
  end)
end)
