"""Records what real Locust's UsersDispatcher does, for cicada's locust_dispatch tests.

Drives locust.dispatch.UsersDispatcher (Locust 2.47.0) through seeded random sessions: new
dispatches, steps taken one at a time, workers joining and leaving mid-ramp, class subsets,
fixed_count classes and zero weights. Every call and its result becomes one line of a trace
that engine/src/locust_dispatch/tests/traces.rs replays against the Rust dispatcher.

    "$(scripts/python-env.sh)" scripts/locust-dispatch-traces.py \
        > engine/src/locust_dispatch/tests/locust_2_47_traces.txt

Sleeps are recorded instead of slept (sometimes with a worker joining or leaving during
one); the clock is frozen so a pause is the full period.
"""

import os
import random
import sys

os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
import locust
import locust.dispatch as d
from locust import User
from locust.dispatch import UsersDispatcher
from locust.runners import WorkerNode

# A sleep is recorded when Locust calls it; `DURING_SLEEP` may then add or remove a worker,
# as a master's other greenlets do while the dispatcher sleeps between iterations.
DURING_SLEEP = []
d.gevent.sleep = lambda secs: [print("pause", repr(secs)), *(f() for f in DURING_SLEEP)]
d.time.perf_counter = lambda: 0.0

CASES = 120
MAX_STEPS = 40


def mk(name, weight, fixed):
    attrs = {"weight": weight, "fixed_count": fixed, "abstract": False, "tasks": [lambda self: None]}
    return type(name, (User,), attrs)


def fmt_map(users):
    return ";".join(
        w + "=" + ",".join(f"{c}:{n}" for c, n in sorted(users[w].items())) for w in sorted(users)
    )


class Session:
    def __init__(self, out, rng):
        self.out, self.rng = out, rng

    def emit(self, *words):
        print(*words, file=self.out)

    def step(self, disp):
        try:
            users = next(disp)
        except StopIteration:
            users = None
        if users is None:
            self.emit("end")
            return False
        self.emit("step", fmt_map(users))
        return True


def worker_id(rng, taken):
    while True:
        host = rng.choice(["h1", "h2", "h3", "alpha-host", "nohost"])
        wid = host if host == "nohost" and rng.random() < 0.5 else f"{host}_{rng.randrange(16**4):04x}"
        if wid not in taken:
            return wid


def run_case(n, s, rng):
    names = rng.sample(["Alpha", "Beta", "Gamma", "Delta", "Eps"], rng.randint(1, 4))
    classes = []
    for name in names:
        fixed = rng.choice([0, 0, 0, 1, 2, 3]) if rng.random() < 0.35 else 0
        weight = rng.choice([0, 1, 1, 2, 3, 5]) if rng.random() < 0.95 else 0
        classes.append(mk(name, weight, fixed))
    workers = []
    for _ in range(rng.randint(1, 5)):
        workers.append(worker_id(rng, workers))
    nodes = {w: WorkerNode(w) for w in workers}
    disp = UsersDispatcher(worker_nodes=list(nodes.values()), user_classes=classes)
    s.emit("case", n)
    s.emit("new", ",".join(workers), ",".join(f"{c.__name__}:{c.weight}:{c.fixed_count}" for c in classes))
    s.emit("order", ",".join(w.id for w in disp._worker_nodes))
    def churn():
        r = rng.random()
        if r < 0.15 and len(nodes) < 7:
            add()
        elif r < 0.25 and nodes:
            remove()

    def add():
        wid = worker_id(rng, list(nodes))
        nodes[wid] = WorkerNode(wid)
        disp.add_worker(nodes[wid])
        s.emit("add", wid)
        s.emit("order", ",".join(w.id for w in disp._worker_nodes))

    def remove():
        wid = rng.choice(sorted(nodes))
        disp.remove_worker(nodes.pop(wid))
        s.emit("remove", wid)
        s.emit("order", ",".join(w.id for w in disp._worker_nodes))

    DURING_SLEEP[:] = [churn]
    for _ in range(rng.randint(1, 4)):
        target = rng.choice([0, 1, 2, 3, 5, 8, 13, 20, 30])
        rate = rng.choice([0.5, 1, 2, 2.5, 3, 4, 7, 100])
        if rng.random() < 0.2:
            subset = rng.sample(classes, rng.randint(0, len(classes)))
            disp.new_dispatch(target, rate, subset)
            s.emit("dispatch", target, repr(float(rate)), ",".join(c.__name__ for c in subset) or "-")
        else:
            disp.new_dispatch(target, rate)
            s.emit("dispatch", target, repr(float(rate)))
        for _ in range(MAX_STEPS):
            r = rng.random()
            if r < 0.08 and len(nodes) < 7:
                add()
            elif r < 0.14 and nodes:
                remove()
            elif r < 0.17:
                break  # abandon the cycle mid-ramp, as a new start() does
            if not s.step(disp):
                break
            if not disp._active_users and disp._current_user_count > disp._target_user_count:
                # Locust's ramp-down now spins forever: its counter says users remain but it
                # tracks none (a re-deal with no class to draw from). cicada ends the cycle.
                s.emit("stuck")
                return
        s.emit("progress", str(disp.dispatch_in_progress).lower(), disp.get_current_user_count())


def main():
    rng = random.Random(20470)
    s = Session(sys.stdout, rng)
    print(f"# locust {locust.__version__} UsersDispatcher traces; {CASES} seeded cases")
    for n in range(CASES):
        run_case(n, s, rng)


main()
