"""The case state machine drawn from the code itself (Mermaid), for docs/state-diagram.md."""

from django_fsm import State

from permits.models import Permit, PermitState

DOC_HEADER = """# The permit case state machine

Generated from `permits/models.py` by `python manage.py state_diagram`; a test fails when this file no
longer matches the code. Each arrow is a transition method of `Permit`; the services in `permits/` decide
who may call it (django-fsm-2 does not check rights itself).

"""


def transitions() -> list[tuple[str, str, str]]:
    """(source, target, method name) for every transition, targets of RETURN_VALUE expanded."""
    rows = set()
    for transition in Permit._meta.get_field("state").get_all_transitions(Permit):
        targets = (
            transition.target.allowed_states if isinstance(transition.target, State) else [transition.target]
        )
        for target in targets:
            rows.add((str(transition.source), str(target), transition.name))
    return sorted(rows, key=lambda r: (PermitState.values.index(r[0]), PermitState.values.index(r[1]), r[2]))


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {PermitState.SUBMITTED.value} : application_submit"]
    lines += [f"    {source} --> {target} : {name}" for source, target, name in transitions()]
    closed = [PermitState.REJECTED, PermitState.WITHDRAWN, PermitState.REVOKED, PermitState.EXPIRED]
    lines += [f"    {state.value} --> [*]" for state in closed]
    return "\n".join(lines) + "\n"


def document() -> str:
    return f"{DOC_HEADER}```mermaid\n{mermaid()}```\n"
