"""Validation rules, one small check per rule (DESIGN §2).

A check takes the `Context` of one class workbook and yields findings. Adding a rule means
adding one function to a module here, listing it in `CLASS_CHECKS`, and a finding kind in
`xlsync.core.findings.CATALOG`. Cross-file rules live in `xlsync.core.checks.conflicts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xlsync.core.checks.absences import (
    absence_children_exist,
    absence_dates_in_order,
    absence_outcomes_dated,
    dropout_status_agrees,
)
from xlsync.core.checks.categories import disability_details
from xlsync.core.checks.conflicts import children_unique
from xlsync.core.checks.context import Context
from xlsync.core.checks.guardianship import (
    carer_adult,
    carer_named,
    no_guardian,
    notice_given,
)
from xlsync.core.checks.left_behind import legacy_type_read, turns_16
from xlsync.core.checks.links import (
    links_agree,
    plan_children_exist,
    record_children_exist,
    study_plans_present,
    teachers_known,
)
from xlsync.core.checks.required import (
    conditional_required,
    required_columns,
    required_values,
)
from xlsync.core.checks.seed_rules import study_helpers_named, teachers_not_overloaded
from xlsync.core.checks.template import template_current
from xlsync.core.checks.values import (
    dates_not_future,
    id_cards_valid,
    names_fit,
    phones_valid,
    records_after_filing,
    student_numbers_valid,
    texts_fit,
)
from xlsync.core.findings import Finding

Check = Callable[[Context], Iterable[Finding]]

CLASS_CHECKS: tuple[Check, ...] = (
    required_columns,
    required_values,
    conditional_required,
    names_fit,
    texts_fit,
    id_cards_valid,
    student_numbers_valid,
    phones_valid,
    dates_not_future,
    records_after_filing,
    record_children_exist,
    links_agree,
    plan_children_exist,
    study_plans_present,
    teachers_known,
    children_unique,
    # ---- issue 19.3 + 19.6
    disability_details,
    teachers_not_overloaded,
    study_helpers_named,
    template_current,  # issue 19.7
    # issue 19.1 / 19.2
    no_guardian,
    carer_named,
    carer_adult,
    notice_given,
    turns_16,
    legacy_type_read,
    absence_children_exist,  # issue 19.5
    absence_dates_in_order,
    absence_outcomes_dated,
    dropout_status_agrees,
)

__all__ = ["CLASS_CHECKS", "Check", "Context"]
