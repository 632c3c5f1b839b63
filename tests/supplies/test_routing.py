"""Delivery routes on CVRPLIB files (supplies.routing, `gongzhi solve-cvrp`): the .sol numbering and the
rounded costs are those of the benchmarks, every route is checked, and bad files are refused by name."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.supplies import routing
from gongzhi.supplies.messages import SUPPLIES

CVRP = Path(__file__).resolve().parents[2] / "bench" / "cvrp"


def sol_routes(path: Path) -> tuple[list[list[int]], int]:
    routes, cost = [], None
    for line in path.read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(c) for c in line.split(":")[1].split()])
        elif line.startswith("Cost"):
            cost = int(line.split()[1])
    return routes, cost


@pytest.mark.parametrize("name", ["A-n32-k5", "P-n76-k5", "X-n101-k25"])
def test_the_best_known_solutions_cost_what_their_files_say(name):
    # Our numbering and rounding agree with CVRPLIB's: each .sol file's routes, costed here, give its Cost line.
    data = routing.cvrp_read(CVRP / f"{name}.vrp")
    routes, cost = sol_routes(CVRP / f"{name}.sol")
    assert routing.route_cost(data, routes) == cost
    routing._check(data, routes)


def test_a_small_instance_is_solved_to_its_optimum_and_checked():
    data = routing.cvrp_read(CVRP / "A-n32-k5.vrp")
    found = routing.cvrp_solve(data, 2.0, seed=1)
    assert found.cost == 784  # proven optimal (CVRPLIB); PyVRP finds it in well under a second
    assert sorted(c for r in found.routes for c in r) == list(range(1, 32))
    assert routing.route_cost(data, found.routes) == found.cost
    text = routing.sol_text(found)
    assert text.endswith("Cost 784\n") and text.startswith("Route #1: ")


def test_the_command_prints_the_sol_format(capsys):
    call_command("solve_cvrp", str(CVRP / "A-n32-k5.vrp"), seconds=1, seed=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("Cost ") and all(line.startswith("Route #") for line in lines[:-1])
    routes = [[int(c) for c in line.split(":")[1].split()] for line in lines[:-1]]
    data = routing.cvrp_read(CVRP / "A-n32-k5.vrp")
    assert routing.route_cost(data, routes) == int(lines[-1].split()[1]) >= 784


def _file(tmp_path, text: str) -> Path:
    path = tmp_path / "t.vrp"
    path.write_text(text)
    return path


HEAD = "NAME : t\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\n"
COORDS = "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 6 8\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("NAME : t\nTYPE : CVRP\n", "文件缺少 DIMENSION"),
        (HEAD + COORDS + "EOF\n", "文件缺少 DEMAND_SECTION"),
        (
            HEAD + COORDS + "DEMAND_SECTION\n1 0\n2 4\n3 11\nDEPOT_SECTION\n1\n-1\nEOF\n",
            "第2个送达点的需求量11超过车辆容量10，一趟送不下",
        ),
        (
            HEAD + COORDS + "DEMAND_SECTION\n1 0\n2 4\n3 -1\nDEPOT_SECTION\n1\n-1\nEOF\n",
            "第2个送达点的需求量为负数：-1",
        ),
        (
            HEAD + COORDS + "DEMAND_SECTION\n1 0\n2 4\n3 1\nDEPOT_SECTION\n1\n2\n-1\nEOF\n",
            "须有且只有一个配送起点（DEPOT_SECTION），文件中有2个",
        ),
        (HEAD + "NODE_COORD_SECTION\n1 0 0\n2 x y\n3 6 8\nDEMAND_SECTION\n1 0\n2 4\n3 1\nEOF\n", "无法读取 CVRP 文件"),
    ],
)
def test_bad_files_are_refused_by_name(tmp_path, text, words):
    with pytest.raises(routing.RoutingInputError) as refused:
        routing.cvrp_read(_file(tmp_path, text))
    assert SUPPLIES.of(refused.value.problem).startswith(words)


def test_a_good_small_file_is_solved(tmp_path):
    text = HEAD + COORDS + "DEMAND_SECTION\n1 0\n2 4\n3 7\nDEPOT_SECTION\n1\n-1\nEOF\n"
    found = routing.cvrp_solve(routing.cvrp_read(_file(tmp_path, text)), 0.2)
    # 4 + 7 > 10: two routes, there and back, 5 + 5 and 10 + 10
    assert sorted(found.routes) == [[1], [2]] and found.cost == 30


def test_the_command_exits_2_with_the_reason(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("solve_cvrp", str(tmp_path / "missing.vrp"))
    assert refused.value.returncode == 2 and "找不到文件" in str(refused.value)
    with pytest.raises(CommandError) as refused:
        call_command("solve_cvrp", str(CVRP / "A-n32-k5.vrp"), seconds=0)
    assert refused.value.returncode == 2 and "求解时间须为大于0的秒数" in str(refused.value)


EXPLICIT = """NAME : tiny-explicit
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EXPLICIT
EDGE_WEIGHT_FORMAT : LOWER_ROW
CAPACITY : 10
EDGE_WEIGHT_SECTION
 5
 7 3
 4 9 6
DEMAND_SECTION
1 0
2 4
3 5
4 6
DEPOT_SECTION
 1
 -1
EOF
"""


def test_explicit_distances_are_read_as_given(tmp_path):
    # Distances as a lower triangle (d21=5; d31=7 d32=3; d41=4 d42=9 d43=6), capacity 10, demands 4, 5, 6: the
    # optimum is depot-3-depot (4 + 4) and depot-2-1-depot (7 + 3 + 5), 23 in all.
    found = routing.cvrp_solve(routing.cvrp_read(_file(tmp_path, EXPLICIT)), 0.3)
    assert found.cost == 23 and sorted(map(sorted, found.routes)) == [[1, 2], [3]]


def test_a_fleet_too_small_is_said_not_raised(tmp_path, capsys):
    # One vehicle of 10 for 15 units: no routes within the fleet; the command says so and exits 2, with no
    # solver warning in English on the way.
    path = _file(tmp_path, EXPLICIT.replace("CAPACITY : 10\n", "CAPACITY : 10\nVEHICLES : 1\n"))
    with pytest.raises(CommandError) as refused:
        call_command("solve_cvrp", str(path), seconds=0.3)
    assert refused.value.returncode == 2 and "没有找到满足容量和车辆数的路线" in str(refused.value)
    assert "Warning" not in capsys.readouterr().err
