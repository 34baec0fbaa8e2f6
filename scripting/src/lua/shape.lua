-- Load shapes (see shape.rs): Locust's LoadTestShape on Lua tables.
--
-- A shape class is a table whose metatable's __index is its parent, like a user class, but
-- it is kept apart from them: it is never a user, only ticked by the run's driver. `pick`
-- makes the instance the driver ticks: of the first shape declared that is not abstract,
-- as Locust takes the first LoadTestShape of the locustfile.
local clock, user_count = ...
local type, error, pairs, ipairs, setmetatable, rawget, tostring = type, error, pairs, ipairs, setmetatable, rawget, tostring

local meta = setmetatable({}, { __mode = "k" })
local declared = {}

local function shape_tostring(C)
  local m = meta[C]
  return "<load shape " .. (m and m.name or "?") .. ">"
end

local LoadTestShape = setmetatable({ use_common_options = false }, { __tostring = shape_tostring })
meta[LoadTestShape] = { name = "LoadTestShape" }

function LoadTestShape.extend(parent, name, attrs)
  if meta[parent] == nil then
    error('extend must be called on a load shape: cicada.LoadTestShape:extend("Name", {...})', 2)
  end
  if type(name) ~= "string" or name == "" then
    error('extend needs a shape name: cicada.LoadTestShape:extend("Name", {...})', 2)
  end
  if attrs ~= nil and type(attrs) ~= "table" then
    error("the attributes of " .. name .. " must be a table: extend(\"" .. name .. "\", { ... })", 2)
  end
  local C = setmetatable({}, { __index = parent, __tostring = shape_tostring })
  if attrs then
    for k, v in pairs(attrs) do
      C[k] = v
    end
  end
  meta[C] = { name = name }
  declared[#declared + 1] = C
  return C
end

function LoadTestShape:tick()
  error("load shape " .. tostring(self) .. " has no tick(): define function Shape:tick() return users, spawn_rate end", 0)
end

function LoadTestShape:reset_time()
  self.start_time = clock()
end

function LoadTestShape:get_run_time()
  return clock() - self.start_time
end

function LoadTestShape:get_current_user_count()
  return user_count()
end

-- Whether the script declared a shape that can run.
local function any()
  for _, C in ipairs(declared) do
    if rawget(C, "abstract") ~= true then
      return true
    end
  end
  return false
end

-- The instance to tick, its class name and use_common_options; nil without a shape.
local function pick()
  for _, C in ipairs(declared) do
    if rawget(C, "abstract") ~= true then
      local shape = setmetatable({}, { __index = C, __tostring = function() return meta[C].name end })
      shape.start_time = clock()
      return shape, meta[C].name, C.use_common_options == true
    end
  end
  return nil
end

return { LoadTestShape = LoadTestShape, any = any, pick = pick }
