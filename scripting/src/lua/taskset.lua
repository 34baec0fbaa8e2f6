-- Running TaskSets and SequentialTaskSets (see taskset.rs): Locust's TaskSet.run.
--
-- A set is run by `run(node, parent, user)` from inside a task of its parent (the engine
-- sees a set used by a user class as one task). `node` is the set as class.lua resolved it
-- for this place: { name, class, sequential, mt, tasks = { { fn | node, weight, tags } } }.
-- Every task runs through the trampoline, so how it ended is a code, not an error value
-- to pick apart: 0 returned, 1 StopUser, 2 quit, 3 error, 4-7 the control values.
local trampoline, tripped, HANDLE, C, STOP, QUIT = ...
local error, setmetatable, rawget, type, tostring, ipairs = error, setmetatable, rawget, type, tostring, ipairs
local remove, insert, random = table.remove, table.insert, math.random

local RESCHEDULE, RESCHEDULE_NOW, INTERRUPT, INTERRUPT_NOW = 4, 5, 6, 7
-- What ends a set's loop, by the code of the task that ended it.
local LEAVE = { [1] = STOP, [2] = QUIT, [INTERRUPT] = C.interrupt, [INTERRUPT_NOW] = C.interrupt_now }
-- What a set raises to its parent, by the code its loop (or on_start) ended with.
local RAISE = { [1] = STOP, [2] = QUIT, [INTERRUPT] = C.reschedule, [INTERRUPT_NOW] = C.reschedule_now }

local state = setmetatable({}, { __mode = "k" }) -- set instance -> { node, queue, next, pacer }
local active = setmetatable({}, { __mode = "k" }) -- user -> the set instances it is inside
local nodes = setmetatable({}, { __mode = "k" }) -- set class -> a node, for schedule_task

-- The node's tasks that `--tags`/`--exclude-tags` and their weights leave, in order (cached:
-- the run's tags do not change). A nested set is kept if any of its tasks is, as in Locust.
local function allowed(node, h)
  local list = node.allowed
  if list == nil then
    list = {}
    local total = 0
    for _, e in ipairs(node.tasks) do
      local ok
      if e.node then
        ok = #allowed(e.node, h) > 0
      else
        ok = h:allowed(e.tags)
      end
      if ok and e.weight > 0 then
        list[#list + 1] = e
        total = total + e.weight
      end
    end
    node.allowed, node.total = list, total
  end
  return list
end

-- The next task: weighted at random, or for a SequentialTaskSet in declaration order,
-- cycling, a task of weight n running n times in a row (Locust repeats it n times in its list).
local function pick(st, h)
  local node = st.node
  local list = allowed(node, h)
  if node.sequential then
    local seq = node.sequence
    if seq == nil then
      seq = {}
      for _, e in ipairs(list) do
        for _ = 1, e.weight do
          seq[#seq + 1] = e
        end
      end
      node.sequence = seq
    end
    if #seq == 0 then
      return nil
    end
    st.next = st.next % #seq + 1
    return seq[st.next]
  end
  if node.total == 0 then
    return nil
  end
  local r = random(node.total)
  for _, e in ipairs(list) do
    r = r - e.weight
    if r <= 0 then
      return e
    end
  end
end

-- Seconds to wait after a task: the set's wait_time, else its user's (as in Locust).
local function wait_seconds(inst, st, user, h)
  local spec, owner = st.node.class.wait_time, inst
  if spec == nil then
    spec, owner = user.wait_time, user
  end
  if spec == nil then
    return 0
  elseif type(spec) == "function" then
    local s = spec(owner)
    if type(s) ~= "number" or not (s >= 0) then
      error("wait_time must return a number of seconds >= 0, got " .. tostring(s), 0)
    end
    return s
  end
  st.pacer = st.pacer or h:pacer()
  return st.pacer:next(spec)
end

local run

-- The set's loop; it only ends by raising (StopUser, quit, an interrupt, or an error).
local function loop(inst, st, user, h)
  while true do
    if h:stopping() then
      error(STOP, 0)
    end
    local e = remove(st.queue, 1) or pick(st, h)
    if e == nil then
      error("task set " .. st.node.name .. " has no task to run (all weights 0, or --tags/--exclude-tags left none)", 0)
    end
    local code, msg, tb
    if e.node then
      code, msg, tb = trampoline(run, e.node, inst, user)
    else
      code, msg, tb = trampoline(e.fn, inst)
    end
    if LEAVE[code] then
      error(LEAVE[code], 0)
    elseif code == 3 then
      if tripped() then
        error(msg, 0)
      end
      -- As Locust (catch_exceptions): count it and go on in this set.
      h:error(msg, tb)
    end
    if code ~= RESCHEDULE_NOW and h:wait(wait_seconds(inst, st, user, h)) then
      error(STOP, 0)
    end
  end
end

-- on_stop of a set: an error in it is counted; StopUser or quit from it wins (code 1 or 2).
local function call_on_stop(inst, h)
  local f = inst.on_stop
  if f == nil then
    return nil
  end
  local code, msg, tb = trampoline(f, inst)
  if code == 3 then
    if tripped() then
      error(msg, 0)
    end
    h:error(msg, tb)
  elseif code == 1 or code == 2 then
    return code
  end
  return nil
end

function run(node, parent, user)
  local h = rawget(user, HANDLE)
  local inst = setmetatable({ user = user, parent = parent, client = rawget(user, "client") }, node.mt)
  local st = { node = node, queue = {}, next = 0 }
  state[inst] = st
  local stack = active[user]
  if stack == nil then
    stack = {}
    active[user] = stack
  end
  stack[#stack + 1] = inst
  local code, msg, tb = 0, nil, nil
  if inst.on_start ~= nil then
    code, msg, tb = trampoline(inst.on_start, inst)
  end
  local started = code == 0
  if started then
    code, msg, tb = trampoline(loop, inst, st, user, h)
  end
  stack[#stack] = nil
  if code == 3 and tripped() then
    error(msg, 0)
  end
  -- Locust runs on_stop when the set's loop ends (interrupted, or the user stopped), not
  -- when on_start failed or interrupted.
  if started then
    local stopped = call_on_stop(inst, h)
    if stopped then
      code = stopped
    end
  end
  if code == 3 then
    -- An error on_start raised, or the loop could not go on: count it here, where the
    -- traceback is, and let the parent wait and pick its next task.
    h:error(msg, tb)
    error(C.reschedule, 0)
  elseif code == RESCHEDULE or code == RESCHEDULE_NOW then
    error(code == RESCHEDULE and C.reschedule or C.reschedule_now, 0)
  end
  error(RAISE[code], 0)
end

-- The user ends (StopUser, a stop, or a kill while inside sets): the sets it was still
-- inside get their on_stop, innermost first (Locust runs them on GreenletExit too), then
-- the user's own on_stop.
local function finish(user, on_stop)
  local stack = active[user]
  if stack ~= nil then
    active[user] = nil
    local h = rawget(user, HANDLE)
    for i = #stack, 1, -1 do
      call_on_stop(stack[i], h)
    end
  end
  if on_stop ~= nil then
    return on_stop(user)
  end
end

-- self:interrupt([reschedule]): leave this set for its parent, which picks its next task
-- at once (reschedule true, the default) or after its wait.
local function interrupt(self, reschedule)
  if state[self] == nil then
    error("interrupt must be called on a task set instance: self:interrupt()", 2)
  end
  if reschedule == nil or reschedule then
    error(C.interrupt_now, 0)
  end
  error(C.interrupt, 0)
end

-- self:schedule_task(fn [, first]): run `fn` (or a task set) next, before picking again.
local function schedule_task(self, task, first)
  local st = state[self]
  if st == nil then
    error("schedule_task must be called on a task set instance: self:schedule_task(fn)", 2)
  end
  local e
  if type(task) == "function" then
    e = { fn = task }
  elseif nodes[task] ~= nil then
    e = { node = nodes[task] }
  else
    error("schedule_task needs a function, or a task set that some user class runs", 2)
  end
  if first then
    insert(st.queue, 1, e)
  else
    st.queue[#st.queue + 1] = e
  end
end

return { run = run, finish = finish, interrupt = interrupt, schedule_task = schedule_task, nodes = nodes }
