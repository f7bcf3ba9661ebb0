"""Role scoping, tested as someone trying to see more than they may."""

from __future__ import annotations

import pytest

from conftest import chat, make_dataset, op_message
from poli_analytics import (
    ScopeError,
    Selection,
    SelectionError,
    Viewer,
    filter_choices,
    operator_report,
    report_to_json,
    scope_dataset,
)


@pytest.fixture
def shop():
    """Vendas: k-1 (c-1, Ana). Suporte: k-2 (c-2, Cláudia), k-3 (c-3, Cláudia's,
    Ana helps). o-1 Ana in k-1; o-2 Cláudia in k-2; o-3 Ana without a chat.
    c-2 has a secret e-mail and phone only Suporte may see."""
    return make_dataset(
        contacts=[
            {"contact_id": "c-1", "created_at": "2025-03-01T12:00:00Z"},
            {
                "contact_id": "c-2",
                "email": "segredo@example.com",
                "phone": "+5511900000002",
                "created_at": "2025-03-01T12:00:00Z",
            },
            {"contact_id": "c-3", "created_at": "2025-03-01T12:00:00Z"},
        ],
        chats=[
            chat("k-1", "c-1", operator_id="ana", campaign="verão"),
            chat(
                "k-2",
                "c-2",
                operator_id="claudia",
                department="Suporte",
                channel="instagram",
                campaign="black-friday",
            ),
            chat("k-3", "c-3", operator_id="claudia", department="Suporte"),
        ],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-12T15:00:00Z"),
            op_message("m-2", "k-2", "claudia", "2025-03-12T15:10:00Z"),
            op_message("m-3", "k-3", "ana", "2025-03-13T15:00:00Z"),
            op_message("m-4", "k-3", "claudia", "2025-03-13T16:00:00Z"),
        ],
        opportunities=[
            {
                "opportunity_id": "o-1",
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-12T15:05:00Z",
                "amount": "100",
            },
            {
                "opportunity_id": "o-2",
                "kind": "cart",
                "ticket_id": "k-2",
                "contact_id": "c-2",
                "operator_id": "claudia",
                "created_at": "2025-03-12T15:15:00Z",
                "amount": "40",
            },
            {
                "opportunity_id": "o-3",
                "kind": "cart",
                "contact_id": "c-3",
                "operator_id": "ana",
                "created_at": "2025-03-14T12:00:00Z",
                "amount": "25",
            },
        ],
        payments=[
            {
                "payment_id": f"p-{i}",
                "opportunity_id": f"o-{i}",
                "status": "paid",
                "occurred_at": "2025-03-14T13:00:00Z",
                "amount": amount,
            }
            for i, amount in ((1, "100"), (2, "40"), (3, "25"))
        ],
    )


def _everything_text(dataset) -> str:
    """All cells of all tables as one string, to search for leaks, with every
    value a categorical column knows of, used or not (``value_counts`` and
    ``cat.categories`` show them)."""
    parts = []
    for name in (
        "contacts",
        "operators",
        "chats",
        "messages",
        "opportunities",
        "payments",
    ):
        table = getattr(dataset, name)
        parts.append(table.astype(str).to_csv())
        for column in table.select_dtypes("category"):
            parts.extend(map(str, table[column].cat.categories))
    return "\n".join(parts)


def test_supervisor_sees_only_their_departments(shop):
    scoped = scope_dataset(shop, Viewer.supervisor("Vendas"))
    assert set(scoped.chats["ticket_id"]) == {"k-1"}
    assert set(scoped.opportunities["opportunity_id"]) == {"o-1"}  # not o-3 (no chat)
    assert set(scoped.payments["payment_id"]) == {"p-1"}
    assert set(scoped.contacts["contact_id"]) == {"c-1"}
    text = _everything_text(scoped)
    for secret in (
        "segredo@example.com",
        "+5511900000002",
        "claudia",
        "Suporte",
        "k-2",
    ):
        assert secret not in text


def test_supervisor_report_and_choices(shop):
    viewer = Viewer.supervisor("Suporte")
    report = operator_report(shop, viewer=viewer)
    assert set(report.operators["operator_id"]) == {"ana", "claudia"}
    assert report.totals["amount_sold_cents"] == 4000
    choices = filter_choices(scope_dataset(shop, viewer))
    assert choices == {
        "departments": ["Suporte"],
        "channels": ["instagram", "whatsapp"],
        "operators": ["ana", "claudia"],
        "campaigns": ["black-friday"],
    }


def test_operator_sees_only_own_activity(shop):
    scoped = scope_dataset(shop, Viewer.operator("ana"))
    assert set(scoped.messages["operator_id"]) == {"ana"}
    assert set(scoped.opportunities["opportunity_id"]) == {"o-1", "o-3"}
    assert set(scoped.operators["operator_id"]) == {"ana"}
    # k-3 is Cláudia's chat; Ana wrote in it but must not learn who holds it.
    assert scoped.chats.set_index("ticket_id")["operator_id"].isna()["k-3"]
    text = _everything_text(scoped)
    for secret in ("claudia", "segredo@example.com", "o-2", "m-4", "m-2"):
        assert secret not in text
    report = operator_report(shop, viewer=Viewer.operator("ana"))
    assert list(report.operators["operator_id"]) == ["ana"]
    assert report.totals["amount_sold_cents"] == 12500


def test_first_operator_outside_scope_is_blanked():
    # c-1's first operator message is Bruno's in Suporte; a Vendas supervisor
    # must not learn Bruno's ID through the contact row.
    data = make_dataset(
        chats=[chat("k-1", "c-1", department="Suporte"), chat("k-2", "c-1")],
        messages=[
            op_message("m-1", "k-1", "bruno", "2025-03-01T12:00:00Z"),
            op_message("m-2", "k-2", "ana", "2025-03-02T12:00:00Z"),
        ],
    )
    assert data.contacts["first_operator_id"].iloc[0] == "bruno"
    scoped = scope_dataset(data, Viewer.supervisor("Vendas"))
    assert scoped.contacts["first_operator_id"].isna().all()
    assert "bruno" not in _everything_text(scoped)


@pytest.mark.parametrize(
    ("viewer", "selection", "named"),
    [
        (Viewer.supervisor("Vendas"), Selection(departments=["Suporte"]), "'Suporte'"),
        (
            Viewer.supervisor("Vendas"),
            Selection(departments=["Vendas", "Suporte"]),
            "'Suporte'",
        ),
        (Viewer.supervisor("Vendas"), Selection(departments=["vendas"]), "'vendas'"),
        (Viewer.supervisor("Vendas"), Selection(operators=["claudia"]), "'claudia'"),
        (
            Viewer.supervisor("Vendas"),
            Selection(campaigns=["black-friday"]),
            "'black-friday'",
        ),
        (Viewer.supervisor("Vendas"), Selection(channels=["instagram"]), "'instagram'"),
        (Viewer.operator("ana"), Selection(operators=["claudia"]), "'claudia'"),
        (Viewer.operator("ana"), Selection(operators=["ana", "claudia"]), "'claudia'"),
        (Viewer.operator("claudia"), Selection(departments=["Vendas"]), "'Vendas'"),
    ],
)
def test_filters_outside_the_scope_are_refused(shop, viewer, selection, named):
    with pytest.raises(ScopeError, match=f"{named} is outside the scope of"):
        operator_report(shop, selection, viewer=viewer)


def test_refusal_does_not_reveal_whether_a_value_exists(shop):
    viewer = Viewer.supervisor("Vendas")
    messages = []
    for department in ("Suporte", "Inexistente"):
        with pytest.raises(ScopeError) as caught:
            operator_report(shop, Selection(departments=[department]), viewer=viewer)
        messages.append(str(caught.value).replace(department, "X"))
    assert messages[0] == messages[1]


def test_manager_typo_is_refused_not_empty(shop):
    with pytest.raises(SelectionError, match="department 'Vnedas' does not occur"):
        operator_report(shop, Selection(departments=["Vnedas"]))


def test_unknown_scope_is_refused(shop):
    with pytest.raises(SelectionError, match="supervised department 'Compras'"):
        operator_report(shop, viewer=Viewer.supervisor("Compras"))
    with pytest.raises(SelectionError, match="operator 'zoe' is not an operator"):
        operator_report(shop, viewer=Viewer.operator("zoe"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"role": "supervisor"}, "at least one department"),
        ({"role": "operator"}, "own operator ID"),
        ({"role": "manager", "departments": ("Vendas",)}, "supervisors only"),
        ({"role": "manager", "operator_id": "ana"}, "operator role"),
        ({"role": "admin"}, "unknown role 'admin'"),
    ],
)
def test_malformed_viewers_are_refused(kwargs, match):
    with pytest.raises(SelectionError, match=match):
        Viewer(**kwargs)


def test_scoping_twice_changes_nothing(shop):
    for viewer in (Viewer.supervisor("Suporte"), Viewer.operator("ana")):
        once = scope_dataset(shop, viewer)
        twice = scope_dataset(once, viewer)
        assert _everything_text(once) == _everything_text(twice)


def test_report_json_of_a_supervisor_holds_nothing_outside(shop):
    text = report_to_json(operator_report(shop, viewer=Viewer.supervisor("Vendas")))
    assert "claudia" not in text
    assert "Suporte" not in text


def test_a_viewer_must_be_a_viewer(shop):
    with pytest.raises(TypeError, match="viewer must be a Viewer"):
        scope_dataset(shop, None)
    with pytest.raises(
        SelectionError, match="scope departments must be a list of text"
    ):
        Viewer("supervisor", departments="Vendas")
