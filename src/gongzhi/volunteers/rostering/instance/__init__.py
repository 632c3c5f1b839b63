"""The instance: everything derived from the input once (shift geometry, conflicts, eligibility,
classes of interchangeable needs, each volunteer's feasible shift sets, the objective's weights), and
why a need stayed uncovered. No Django here."""

from gongzhi.volunteers.rostering.instance.derived import _Instance, _too_large
from gongzhi.volunteers.rostering.instance.validation import _validate, exact, named, rules_errors, whole

__all__ = ["_Instance", "_too_large", "_validate", "exact", "named", "rules_errors", "whole"]
