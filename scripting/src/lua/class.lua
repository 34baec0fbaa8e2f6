-- User classes (see class.rs): Locust's class model on Lua tables.
--
-- A class is a table whose metatable's __index is its parent, so attributes and methods
-- are inherited; `extend` makes a subclass and `task` declares a task. What only cicada
-- needs (the class name, its parent, its own tasks, where it was declared) is kept aside in
-- `meta`, so the class table holds nothing but what the script put there.
--
-- TaskSets are classes of the same kind (marked `set` in meta), extended and given tasks
-- the same way; they are not user classes: they only run as a task of one (taskset.lua).
local location, fn_location, STOP, runner = ...
local type, error, rawget, pairs, ipairs, setmetatable, tostring = type, error, rawget, pairs, ipairs, setmetatable, tostring
local tointeger = math.tointeger

local meta = setmetatable({}, { __mode = "k" })
local classes = {}
local by_name = {}

local function class_tostring(C)
  local m = meta[C]
  return (m and m.set and "<task set " or "<user class ") .. (m and m.name or "?") .. ">"
end

local User = {}
meta[User] = { name = "User", tasks = {}, builtin = true }
setmetatable(User, { __tostring = class_tostring })

local HttpUser = setmetatable({ __http = true }, { __index = User, __tostring = class_tostring })
meta[HttpUser] = { name = "HttpUser", parent = User, tasks = {}, builtin = true }

local TaskSet = setmetatable({}, { __tostring = class_tostring })
meta[TaskSet] = { name = "TaskSet", tasks = {}, builtin = true, set = true }
local SequentialTaskSet = setmetatable({}, { __index = TaskSet, __tostring = class_tostring })
meta[SequentialTaskSet] =
  { name = "SequentialTaskSet", parent = TaskSet, tasks = {}, builtin = true, set = true, sequential = true }

-- A task set the script declared (not the base classes).
local function is_set(x)
  local m = type(x) == "table" and meta[x] or nil
  return m ~= nil and m.set == true and not m.builtin
end

-- Locust's FastHttpUser.rest (see client.lua).
function HttpUser:rest(method, path, opts, callback)
  return self.client:rest(method, path, opts, callback)
end

function User.extend(parent, name, attrs)
  local pm = meta[parent]
  if pm == nil then
    error('extend must be called on a user class or task set: cicada.HttpUser:extend("Name", {...})', 2)
  end
  if type(name) ~= "string" or name == "" then
    error('extend needs a class name: cicada.HttpUser:extend("Name", {...})', 2)
  end
  if not pm.set and by_name[name] then
    error("a user class named " .. name .. " already exists (" .. meta[by_name[name]].where .. ")", 2)
  end
  if attrs ~= nil and type(attrs) ~= "table" then
    error("the attributes of " .. name .. " must be a table: extend(\"" .. name .. "\", { weight = 1, ... })", 2)
  end
  local C = setmetatable({}, { __index = parent, __tostring = class_tostring })
  if attrs then
    for k, v in pairs(attrs) do
      C[k] = v
    end
  end
  meta[C] = { name = name, parent = parent, tasks = {}, where = location(2), set = pm.set, sequential = pm.sequential }
  if pm.set then
    -- Set names only label them (listings, messages): two sets may share one, as in Python.
    return C
  end
  classes[#classes + 1] = C
  by_name[name] = C
  return C
end

-- A weight as an integer >= 0, or nil.
local function weight_of(w)
  local n = type(w) == "number" and tointeger(w) or nil
  if n == nil or n < 0 then
    return nil
  end
  return n
end

local function check_tags(tags, what)
  if tags == nil then
    return nil
  end
  if type(tags) ~= "table" then
    error(what .. " must be a list of strings, like { \"items\" }", 3)
  end
  for _, t in ipairs(tags) do
    if type(t) ~= "string" then
      error(what .. " must be a list of strings, like { \"items\" }", 3)
    end
  end
  return tags
end

local TASK_OPTIONS = { name = true, tags = true, weight = true }

-- C:task(fn), C:task(weight, fn), C:task(weight, opts, fn), C:task(opts, fn)
function User.task(C, a, b, c)
  local m = meta[C]
  if m == nil or m.builtin then
    error('task must be called on your user class: MyUser:task(function(self) ... end)', 2)
  end
  local weight, opts, fn
  if type(a) == "function" or is_set(a) then
    fn = a
  elseif type(a) == "number" then
    weight = a
    if type(b) == "table" and not is_set(b) then
      opts, fn = b, c
    else
      fn = b
    end
  elseif type(a) == "table" then
    opts, fn = a, b
  end
  if type(fn) ~= "function" and not is_set(fn) then
    error("task needs a function or a task set: " .. m.name .. ":task(fn), :task(weight, fn), :task(weight, opts, fn) or :task(opts, fn)", 2)
  end
  local name, tags
  if opts then
    for k in pairs(opts) do
      if not TASK_OPTIONS[k] then
        error("unknown task option " .. tostring(k) .. " (known: name, tags, weight)", 2)
      end
    end
    if opts.weight ~= nil then
      if weight ~= nil then
        error("task weight given twice (as an argument and as opts.weight)", 2)
      end
      weight = opts.weight
    end
    name = opts.name
    if name ~= nil and type(name) ~= "string" then
      error("task option name must be a string", 2)
    end
    tags = check_tags(opts.tags, "task option tags")
  end
  if weight == nil then
    weight = 1
  end
  if weight_of(weight) == nil then
    error("task weight must be a whole number >= 0, got " .. tostring(weight), 2)
  end
  weight = weight_of(weight)
  m.tasks[#m.tasks + 1] = { fn = fn, weight = weight, name = name, tags = tags }
  return fn
end

-- Locust's StopUser, from inside a task: self:stop()
function User.stop()
  error(STOP, 0)
end

-- The key under which `fn` is stored in `C` or one of its parents, if any.
local function key_of(C, fn)
  local X = C
  while X ~= nil and meta[X] and not meta[X].builtin do
    for k, v in pairs(X) do
      if v == fn and type(k) == "string" then
        return k
      end
    end
    X = meta[X].parent
  end
  return nil
end

-- Tasks of C: its parent's, then those listed in `C.tasks`, then those from C:task().
local function tasks_of(C, out)
  local m = meta[C]
  if m.builtin then
    return out
  end
  tasks_of(m.parent, out)
  local declared = rawget(C, "tasks")
  if type(declared) == "table" then
    for k, v in pairs(declared) do
      if type(k) == "function" or is_set(k) then
        local w = weight_of(v)
        if w == nil then
          error(m.where .. ": " .. m.name .. ".tasks: a weight must be a whole number >= 0, got " .. tostring(v), 0)
        end
        out[#out + 1] = { fn = k, weight = w }
      elseif type(v) == "function" or is_set(v) then
        out[#out + 1] = { fn = v, weight = 1 }
      else
        error(m.where .. ": " .. m.name .. ".tasks must hold functions or task sets ({ fnA, [fnB] = 3 })", 0)
      end
    end
  elseif declared ~= nil then
    error(m.where .. ": " .. m.name .. ".tasks must be a table of functions", 0)
  end
  for _, t in ipairs(m.tasks) do
    out[#out + 1] = t
  end
  return out
end

-- Tags of C and of its parents, in order, without repeats.
local function class_tags(C)
  local out, seen = {}, {}
  local X = C
  while X ~= nil and not meta[X].builtin do
    local tags = rawget(X, "tags")
    if tags ~= nil then
      if type(tags) ~= "table" then
        error(meta[C].where .. ": " .. meta[X].name .. ".tags must be a list of strings", 0)
      end
      for _, t in ipairs(tags) do
        if type(t) ~= "string" then
          error(meta[C].where .. ": " .. meta[X].name .. ".tags must be a list of strings", 0)
        end
        if not seen[t] then
          seen[t] = true
          out[#out + 1] = t
        end
      end
    end
    X = meta[X].parent
  end
  return out
end

-- The tags of the lists given, in order, without repeats.
local function merge(...)
  local tags, seen = {}, {}
  for _, list in ipairs({ ... }) do
    for _, tag in ipairs(list) do
      if not seen[tag] then
        seen[tag] = true
        tags[#tags + 1] = tag
      end
    end
  end
  return tags
end

-- Set S as run from a task with tags `inherited`, for taskset.lua: its tasks with their
-- tags (the task's own, the set's, and those inherited: Locust's @tag on a class tags every
-- task inside, nested sets included), and `leaf_tags`, every tag of a task inside.
local function resolve(S, inherited, visiting)
  local m = meta[S]
  if visiting[S] then
    error(m.where .. ": task set " .. m.name .. " contains itself", 0)
  end
  visiting[S] = true
  local base = merge(inherited, class_tags(S))
  local node = { name = m.name, class = S, sequential = m.sequential == true, mt = { __index = S }, tasks = {} }
  local leaf = {}
  for _, t in ipairs(tasks_of(S, {})) do
    local tags = merge(base, t.tags or {})
    local e = { weight = t.weight, tags = tags }
    if is_set(t.fn) then
      e.node = resolve(t.fn, tags, visiting)
      leaf = merge(leaf, e.node.leaf_tags)
    else
      e.fn = t.fn
      leaf = merge(leaf, tags)
    end
    node.tasks[#node.tasks + 1] = e
  end
  if #node.tasks == 0 then
    error(m.where .. ": task set " .. m.name .. " has no tasks: add one with " .. m.name .. ":task(fn)", 0)
  end
  node.leaf_tags = leaf
  visiting[S] = nil
  if runner.nodes[S] == nil then
    runner.nodes[S] = node
  end
  return node
end

-- Every class declared so far, in order, with its tasks resolved:
-- { class, name, where, abstract, http, has_sets, tasks = { { fn, weight, name, tags } } }
-- A task set becomes one task that runs it; its tags are those of every task inside, so
-- `--tags` keeps it when one of them matches.
local function collect()
  local out = {}
  for i, C in ipairs(classes) do
    local m = meta[C]
    local ctags = class_tags(C)
    local tasks = {}
    local has_sets = false
    for j, t in ipairs(tasks_of(C, {})) do
      local tags = merge(t.tags or {}, ctags)
      local fn, name = t.fn, t.name
      if is_set(t.fn) then
        has_sets = true
        local node = resolve(t.fn, tags, {})
        local run = runner.run
        fn = function(user)
          return run(node, user, user)
        end
        name = name or meta[t.fn].name
        tags = merge(tags, node.leaf_tags)
      end
      tasks[j] = {
        fn = fn,
        weight = t.weight,
        name = name or key_of(C, t.fn) or fn_location(t.fn),
        tags = tags,
      }
    end
    out[i] = {
      class = C,
      name = m.name,
      where = m.where,
      abstract = rawget(C, "abstract") == true,
      http = C.__http == true,
      has_sets = has_sets,
      tasks = tasks,
    }
  end
  return out
end

TaskSet.extend = User.extend
TaskSet.task = User.task
TaskSet.interrupt = runner.interrupt
TaskSet.schedule_task = runner.schedule_task

return {
  User = User,
  HttpUser = HttpUser,
  TaskSet = TaskSet,
  SequentialTaskSet = SequentialTaskSet,
  collect = collect,
  finish = runner.finish,
}
