"""The kernel's rules, checked on the source itself (docs/architecture.md):

- a decision about a row is never "does the user hold this capability anywhere": `holds` (and the old
  `user_can`) appear only in core's access, menu and personal-data modules, and as page gates;
- views and endpoints hold no ORM calls and write no audit rows: selectors read, services write;
- a workflow's status is written only where the same function takes or records the step through
  core.transitions (or checks a bulk move against its flow);
- pure rule modules import no Django;
- core imports no app, and the layers (core, places, people, domain apps, demo and config) only import
  downwards (import-linter runs the same contract in `make lint`).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gongzhi"


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _names_used(tree) -> set[str]:
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


# The modules that may ask "anywhere": the function itself, the menu and the workbench (which items
# to offer; their counts are read inside the user's areas), and the gate of a full-number search
# (which then matches only the rows whose numbers the user may see).
MAY_ASK_ANYWHERE = {"core/scope.py", "core/access.py", "core/navigation.py", "core/workbench.py", "core/pii.py"}


def test_no_row_is_decided_by_a_capability_held_anywhere():
    offenders = []
    for path, tree in _modules():
        if _rel(path) in MAY_ASK_ANYWHERE:
            continue
        used = _names_used(tree)
        if "user_can" in used or "holds" in used or "user_scope" in used:
            offenders.append(_rel(path))
    assert offenders == [], "decide about a row with core.access.may / levels / may_in_area, not holds()"


def _is_view_module(path: Path) -> bool:
    rel = _rel(path)
    return rel.endswith(("views.py", "api.py")) or "/views/" in rel or rel.endswith("_views.py")


def test_views_and_endpoints_hold_no_orm_calls_and_no_audit_writes():
    offenders = []
    for path, tree in _modules():
        if not _is_view_module(path) or _rel(path) == "core/api.py":  # core/api.py: auth and error shapes
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
                offenders.append(f"{_rel(path)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Name) and node.id in ("audit_record", "transaction"):
                offenders.append(f"{_rel(path)}:{node.lineno} {node.id}")
    assert offenders == []


FLOW_FIELDS = {"status", "result"}
FLOW_MODELS = {"Round", "Tube", "Sample", "Recall", "Volunteer", "CheckIn", "AidRequest", "RegisterImport"}
WRITES = {"update", "create", "bulk_create", "update_or_create", "get_or_create"}
STEPS = {
    "transition",
    "start",
    "start_event",
    "start_many",
    "record_many",
    "move_many",
    "check_all",
    "record_each",
    "record_keyed",
}


def _status_writes(function):
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                targets = target.elts if isinstance(target, ast.Tuple) else [target]
                for t in targets:
                    if isinstance(t, ast.Attribute) and t.attr in FLOW_FIELDS:
                        yield node.lineno
        if isinstance(node, ast.Call) and any(k.arg in FLOW_FIELDS for k in node.keywords):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                yield node.lineno
            if isinstance(func, ast.Name) and func.id in FLOW_MODELS:
                yield node.lineno


def _calls(function) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def _is_pure(tree) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "django" for a in node.names):
            return False
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "django":
            return False
    return True


def test_workflow_status_changes_only_through_core_transitions():
    offenders = []
    for path, tree in _modules():
        rel = _rel(path)
        if rel == "core/transitions.py" or rel.startswith("demo/") or _is_pure(tree) or rel.endswith("models.py"):
            continue
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            lines = list(_status_writes(function))
            if lines and not (_calls(function) & STEPS):
                offenders.append(f"{rel}:{function.name} lines {lines}")
    assert offenders == [], "write a status with core.transitions (or check a bulk move with Flow.check_all)"


PURE_MODULES = [
    "core/access.py",
    "core/cleaning.py",
    "core/errors.py",
    "core/ids.py",
    "core/masking.py",
    "core/roles.py",
    "core/tabular/__init__.py",
    "core/tabular/csv_text.py",
    "core/tabular/problems.py",
    "core/tabular/reader.py",
    "core/tabular/table.py",
    "core/tabular/xlsx.py",
    "core/workflow.py",
    "core/xlsx_formulas.py",
    "people/flows.py",
    "people/id_rules.py",
    "people/register_rules/__init__.py",
    "people/register_rules/checks.py",
    "people/register_rules/codes.py",
    "people/register_rules/columns.py",
    "people/register_rules/identity.py",
    "people/register_rules/places.py",
    "people/register_rules/row.py",
    "people/register_tags.py",
    "people/register_plan.py",
    "testing/collection.py",
    "testing/flows.py",
    "testing/pooling.py",
    "testing/result_file.py",
    "testing/result_values.py",
    "testing/slots.py",
    "volunteers/flows.py",
    "zones/rules.py",
    "supplies/routing.py",
    "supplies/baseline.py",
    "supplies/route_plan/__init__.py",
    "supplies/route_plan/model.py",
    "supplies/route_plan/instance.py",
    "supplies/route_plan/schedule.py",
    "supplies/route_plan/search.py",
    "supplies/route_plan/plan.py",
    "supplies/allocation/__init__.py",
    "supplies/allocation/model.py",
    "supplies/allocation/instance.py",
    "supplies/allocation/solve.py",
    "supplies/flows.py",
    "appeals/flows.py",
    "appeals/triage.py",
    "appeals/sla.py",
    "appeals/hotline_file/__init__.py",
    "appeals/hotline_file/categories.py",
    "appeals/hotline_file/columns.py",
    "appeals/hotline_file/phones.py",
    "appeals/hotline_file/reading.py",
    "appeals/hotline_file/times.py",
    "notices/flows.py",
    "notices/cap.py",
    "volunteers/rostering/__init__.py",
    "volunteers/rostering/aggregate.py",
    "volunteers/rostering/formulation.py",
    "volunteers/rostering/instance/__init__.py",
    "volunteers/rostering/instance/derived.py",
    "volunteers/rostering/instance/validation.py",
    "volunteers/rostering/model.py",
    "volunteers/rostering/search.py",
    "volunteers/rostering/solve.py",
    "demo/households.py",
    "demo/names.py",
    "demo/population.py",
    "demo/drill/scenario.py",
    "demo/drill/report.py",
]


@pytest.mark.parametrize("module", [m for m in PURE_MODULES if m != "core/access.py"])
def test_pure_rule_modules_import_no_django(module):
    tree = ast.parse((SRC / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            # `from gongzhi.people import flows` imports the module gongzhi.people.flows
            submodules = {f"{module}.{a.name}" for a in node.names}
            imported |= {m for m in submodules if _is_module(m)} or {module}
    assert not {m for m in imported if m.split(".")[0] == "django"}
    # and of the project only other pure modules
    project = {m for m in imported if m.startswith("gongzhi.")}
    pure = {"gongzhi." + p.removesuffix(".py").replace("/__init__", "").replace("/", ".") for p in PURE_MODULES}
    assert project <= pure, project - pure


def _is_module(dotted: str) -> bool:
    parts = dotted.split(".")[1:]
    base = SRC.joinpath(*parts)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


LAYERS = [  # lower first; a module may import its own layer's and lower layers' modules only
    {"core"},
    {"places"},
    {"people"},
    # domain apps: they react to each other through core.events, never by import
    {"testing", "volunteers", "supplies", "appeals", "notices"},
    {"zones"},  # risk zones drive the domain apps through their services
    {"command"},  # the command view: the figures every app counts, summed up the area tree
    {"demo", "config", "cli"},
]


def _layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise AssertionError(f"{package} is in no layer: add it to LAYERS and to the import-linter contract")


def test_layers_import_only_downwards_and_domain_apps_not_each_other():
    offenders = []
    for path, tree in _modules():
        rel = _rel(path)
        own = rel.split("/")[0].removesuffix(".py")
        if own == "__init__":
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gongzhi."):
                targets = [node.module.split(".")[1]]
            elif isinstance(node, ast.Import):
                targets = [a.name.split(".")[1] for a in node.names if a.name.startswith("gongzhi.")]
            for other in targets:
                if other == own:
                    continue
                if _layer_of(other) > _layer_of(own) or (_layer_of(other) == _layer_of(own) and other != own):
                    offenders.append(f"{rel}:{node.lineno} imports gongzhi.{other}")
    assert offenders == []


def test_an_actor_passed_to_a_service_is_always_used():
    """`actor` is never an unused argument: who did it is recorded (an event, an audit row, a column)."""
    unused = []
    for path, tree in _modules():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            if "actor" in [a.arg for a in function.args.args + function.args.kwonlyargs]:
                if not any(isinstance(n, ast.Name) and n.id == "actor" for n in ast.walk(function)):
                    unused.append(f"{_rel(path)}:{function.name}")
    assert unused == []
