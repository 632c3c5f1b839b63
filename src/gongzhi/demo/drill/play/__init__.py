"""An outbreak played on simulated time through every module, over the services the pages and API call.

The clock is moved by time-machine (`SimClock`): every `timezone.now()` in the services reads the
simulated time, which stands still while a service runs and jumps to the next thing someone does.
What people do (a street official confirming a zone, a resident opening a notice, a grid worker
taking a request) is drawn from the seed (scenario.py) and scheduled on a heap; what the system
does after a commit (the queue's deliveries, the escalation sweep, the command view's recount) runs
at once or on its period. Each service call's wall time is recorded apart (`Drill.system`): it is
the system's share of every interval, and where it was the bottleneck.

Every choice the drill makes goes through natural keys (ID numbers, building numbers, community
codes), never primary keys or public ids, so the same seed gives the same outbreak on SQLite and on
PostgreSQL, whatever order a parallel load gave the rows.
"""

from gongzhi.demo.drill.play.clock import Outcome, SimClock, Step
from gongzhi.demo.drill.play.player import Drill

__all__ = ["Drill", "Outcome", "SimClock", "Step"]
