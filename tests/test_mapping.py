"""The mapping loader: raw exports onto one contract table, on small fixtures.

The fixtures in ``tests/fixtures/mapping/`` are byte-exact (CRLF, bare CR,
Windows-1252, BOM); every expectation below was worked out by hand from them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from poli_analytics import (
    DanglingReferenceError,
    DataContractError,
    DuplicateKeyError,
    InvalidValueError,
    MissingColumnError,
    SelectionError,
)
from poli_analytics.mapping import (
    Constant,
    MappedTable,
    _amounts,
    _DateOptions,
    _instants,
    dataset_from_mapped,
    read_mapped,
)

FIXTURES = Path(__file__).parent / "fixtures" / "mapping"
SP = "America/Sao_Paulo"
KINDS = {"carrinho": "cart", "cobrança": "payment_request"}
ORDERS = {
    "opportunity_id": "Pedido",
    "kind": lambda raw: raw["Tipo"].map(KINDS),
    "contact_id": "Cliente",
    "operator_id": "Vendedor",
    "created_at": "Criado em",
    "amount": "Valor",
}
MESSAGES = {
    "message_id": "id",
    "ticket_id": "conversa",
    "sent_at": "quando",
    "sender": "quem",
    "operator_id": "atendente",
}


def cells(column: pd.Series) -> list[object]:
    """The values of a column, missing ones as None."""
    return column.astype(object).where(column.notna(), None).tolist()


def local(text: str, tz: str = SP) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert(tz)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def read_orders(**options) -> MappedTable:
    return read_mapped(
        FIXTURES / "pedidos_ptbr.csv",
        "opportunities",
        ORDERS,
        extras={"note": "Obs"},
        decimal=",",
        dayfirst=True,
        **options,
    )


def other_tables(**given: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Minimal contract tables around the mapped ones (contacts c-01..c-03)."""
    text = "str"
    tables = {
        "contacts": pd.DataFrame(
            {
                "contact_id": ["c-01", "c-02", "c-03"],
                "name": pd.Series([None] * 3, dtype=text),
                "email": pd.Series([None] * 3, dtype=text),
                "phone": pd.Series([None] * 3, dtype=text),
                "created_at": ["2017-01-01T00:00:00Z"] * 3,
            }
        ),
        "operators": pd.DataFrame(
            {"operator_id": ["op-1", "op-2"], "name": ["Ana", "Bia"]}
        ),
        "chats": pd.DataFrame(
            {
                column: pd.Series(dtype=text)
                for column in (
                    "ticket_id contact_id operator_id department channel campaign "
                    "opened_at assigned_at first_response_at closed_at rating tags"
                ).split()
            }
        ),
        "messages": pd.DataFrame(
            {
                column: pd.Series(dtype=text)
                for column in "message_id ticket_id sent_at sender operator_id".split()
            }
        ),
        "opportunities": pd.DataFrame(
            {
                column: pd.Series(dtype=text)
                for column in (
                    "opportunity_id kind ticket_id contact_id operator_id "
                    "created_at amount"
                ).split()
            }
        ),
        "payments": pd.DataFrame(
            {
                column: pd.Series(dtype=text)
                for column in (
                    "payment_id opportunity_id status occurred_at amount"
                ).split()
            }
        ),
    }
    return {**tables, **given}


# --- a pt-BR spreadsheet export ---------------------------------------------


def test_pt_br_export_maps_exactly():
    """BOM, CRLF, semicolons (detected), decimal commas, day-first dates."""
    mapped = read_orders()

    frame = mapped.frame
    assert frame["opportunity_id"].tolist() == ["0007", "0008", "0009", "0010"]
    assert frame["kind"].tolist() == ["cart", "cart", "payment_request", "cart"]
    assert frame["amount"].tolist() == ["1234.56", "19.90", "0.10", "12.00"]
    assert frame["created_at"].tolist() == [
        pd.Timestamp("2024-12-31 22:15", tz=SP),
        pd.Timestamp("2025-01-01 09:00", tz=SP),
        # 2017-10-15 00:00 never happened in São Paulo (summer time began):
        # moved forward by the gap, still that local day.
        pd.Timestamp("2017-10-15 01:00", tz=SP),
        local("2025-01-02T10:00:00Z"),
    ]
    # A CRLF inside a quoted field is a line break like any other.
    assert cells(frame["note"]) == ["primeiro", None, "linha 1\nlinha 2", "ISO no meio"]
    # The quoted note spans lines 4 and 5, so the last order is on line 6.
    assert mapped.lines.tolist() == [2, 3, 4, 6]
    assert mapped.rejected.empty
    assert (
        mapped.summary() == "pedidos_ptbr.csv -> opportunities: 4 rows, none set aside"
    )


def test_mapped_amounts_reach_the_report_exactly():
    data = dataset_from_mapped(other_tables(opportunities=read_orders()), tz=SP)

    assert data.opportunities["amount_cents"].tolist() == [123456, 1990, 10, 1200]
    assert data.opportunities["note"].tolist()[0] == "primeiro"


def test_a_bare_iso_date_is_local_midnight(tmp_path):
    """Not midnight UTC, which is the evening before in São Paulo."""
    path = write(
        tmp_path,
        "contatos.csv",
        "id,desde\nc-1,2025-03-12\nc-2,2025-03-12 00:00\nc-3,2025-03-12T00:00Z\n",
    )

    mapped = read_mapped(
        path, "contacts", {"contact_id": "id", "created_at": "desde"}, tz=SP
    )

    assert mapped.frame["created_at"].tolist() == [
        pd.Timestamp("2025-03-12 00:00", tz=SP),
        pd.Timestamp("2025-03-12 00:00", tz=SP),
        pd.Timestamp("2025-03-11 21:00", tz=SP),
    ]


def test_windows_1252_is_refused_as_utf8_with_its_line_and_byte():
    with pytest.raises(
        DataContractError,
        match=r"^clientes_cp1252\.csv, line 2: not valid utf-8 text \(byte e3\); "
        r"expected utf-8 .*encoding='cp1252'",
    ):
        read_mapped(
            FIXTURES / "clientes_cp1252.csv",
            "contacts",
            {"contact_id": "Codigo", "created_at": "Cadastro"},
        )


def test_windows_1252_reads_with_its_encoding():
    mapped = read_mapped(
        FIXTURES / "clientes_cp1252.csv",
        "contacts",
        {
            "contact_id": "Codigo",
            "name": "Nome",
            "phone": "Telefone",
            "created_at": "Cadastro",
        },
        encoding="cp1252",
        dayfirst=True,
    )

    frame = mapped.frame
    assert frame["contact_id"].tolist() == ["007", "008"]
    assert frame["name"].tolist() == ["João Conceição", "Zoë € Ltda"]
    assert cells(frame["phone"]) == ["011987654321", None]
    assert frame["email"].isna().all()  # optional and unmapped: empty
    assert frame["created_at"].tolist() == [
        pd.Timestamp("2025-03-05 08:30", tz=SP),
        pd.Timestamp("2025-03-06 00:00", tz=SP),
    ]


# --- line ends, quoting, malformed records ----------------------------------


def test_bare_carriage_returns_stay_inside_their_field():
    """A strict CSV reader splits record 2 at its bare CRs; this one does not."""
    mapped = read_mapped(
        FIXTURES / "tweets_bare_cr.csv",
        "messages",
        {
            "message_id": "tweet_id",
            "ticket_id": Constant("t"),
            "sent_at": "created_at",
            "sender": lambda raw: raw["inbound"].map(
                {"True": "contact", "False": "operator"}
            ),
            "operator_id": lambda raw: raw["author_id"].where(
                raw["inbound"].eq("False")
            ),
        },
        extras={"text": "text", "parent": "in_response_to_tweet_id"},
        date_format="%a %b %d %H:%M:%S %z %Y",
        tz="UTC",
    )

    frame = mapped.frame
    assert frame["message_id"].tolist() == ["1", "2", "3", "4"]
    assert frame["text"].tolist() == [
        "@115712 Sure. ^JK",
        "@sprintcare \r\rhello there",
        "@sprintcare line one\nline two",
        "@115712 Thanks -Becky",
    ]
    assert cells(frame["parent"]) == ["2.0", None, "1.0", "3.0"]
    assert frame["sent_at"].tolist()[:2] == [
        pd.Timestamp("2017-10-31 22:10:47", tz="UTC"),
        pd.Timestamp("2017-10-31 22:08:27", tz="UTC"),
    ]
    assert mapped.lines.tolist() == [2, 3, 4, 6]


def test_a_file_with_classic_mac_line_ends(tmp_path):
    path = tmp_path / "old.csv"
    path.write_bytes(b"id,nome\rop-1,Ana\rop-2,Bia\r")

    mapped = read_mapped(path, "operators", {"operator_id": "id", "name": "nome"})

    assert mapped.frame["name"].tolist() == ["Ana", "Bia"]
    assert mapped.lines.tolist() == [2, 3]


def test_blank_lines_are_not_data_but_count_as_lines(tmp_path):
    path = write(tmp_path, "ops.csv", "id,nome\n\nop-1,Ana\n,\nop-2,Bia\n")

    mapped = read_mapped(path, "operators", {"operator_id": "id", "name": "nome"})

    assert mapped.frame["operator_id"].tolist() == ["op-1", "op-2"]
    assert mapped.lines.tolist() == [3, 5]


def test_malformed_record_is_refused_with_its_line():
    with pytest.raises(
        DataContractError,
        match=r"^mensagens_malformadas\.csv, line 4: expected 5 fields as in the "
        r"header, found 6$",
    ):
        read_mapped(FIXTURES / "mensagens_malformadas.csv", "messages", MESSAGES)


def test_bad_rows_are_set_aside_with_line_column_and_reason():
    mapped = read_mapped(
        FIXTURES / "mensagens_malformadas.csv",
        "messages",
        MESSAGES,
        on_bad_rows="reject",
    )

    # The exact repeat of m2 (line 8) is kept: the contract loader drops and
    # counts it. Both m7 rows differ, so neither can be chosen.
    assert mapped.frame["message_id"].tolist() == ["m1", "m2", "m2", "m8"]
    assert mapped.lines.tolist() == [2, 3, 8, 11]
    rejected = mapped.rejected
    assert rejected["line"].tolist() == [4, 5, 6, 7, 9, 10]
    assert cells(rejected["column"]) == [
        None,
        "sent_at",
        "sender",
        "message_id",
        "message_id",
        "message_id",
    ]
    assert cells(rejected["value"]) == [
        "m3,t1,2025-03-10 09:07,operator,op-1,extra",
        "10/03/2025 09:10",
        "robot",
        None,
        "m7",
        "m7",
    ]
    reasons = rejected["reason"].str.split(";").str[0].tolist()
    assert reasons == [
        "expected 5 fields as in the header, found 6",
        "unparsable timestamp",
        "unknown value",
        "empty value in a required column",
        "the same key on rows with different content",
        "the same key on rows with different content",
    ]
    # The source columns come along (empty for the malformed record).
    assert (
        cells(rejected["quem"])
        == [None, "contact", "robot", "contact"] + ["contact"] * 2
    )
    assert mapped.summary().startswith(
        "mensagens_malformadas.csv -> messages: 4 rows, 6 set aside: "
    )


@pytest.mark.parametrize(
    ("row", "error", "match"),
    [
        (
            "m9,t1,10/03/2025 09:10,contact,",
            InvalidValueError,
            r"^msgs\.csv, column 'quando' \(sent_at\), line 3: unparsable timestamp "
            r"\(found '10/03/2025 09:10'\); expected an ISO 8601 .*dayfirst=True",
        ),
        (
            "m9,t1,2025-03-10 09:10,robot,",
            InvalidValueError,
            r"^msgs\.csv, column 'quem' \(sender\), line 3: unknown value "
            r"\(found 'robot'\); expected one of contact, operator, bot$",
        ),
        (
            ",t1,2025-03-10 09:10,contact,",
            InvalidValueError,
            r"^msgs\.csv, column 'id' \(message_id\), line 3: empty value in a "
            r"required column",
        ),
        (
            "m1,t2,2025-03-10 09:10,contact,",
            DuplicateKeyError,
            r"^msgs\.csv, column 'id' \(message_id\), lines 2, 3: the same key on "
            r"rows with different content \(found 'm1', 'm1'\)",
        ),
    ],
    ids=["timestamp", "sender", "empty-key", "duplicate-key"],
)
def test_refusals_name_file_column_and_line(tmp_path, row, error, match):
    header = "id,conversa,quando,quem,atendente\n"
    first = "m1,t1,2025-03-10 09:00,contact,\n"
    path = write(tmp_path, "msgs.csv", header + first + row + "\n")

    with pytest.raises(error, match=match) as caught:
        read_mapped(path, "messages", MESSAGES)
    assert caught.value.source == "msgs.csv"


def test_refusal_lines_follow_multi_line_records(tmp_path):
    path = write(
        tmp_path,
        "ops.csv",
        'id,nome,nota\nop-1,Ana,"a\nb\nc"\n,Bia,x\n',
    )

    with pytest.raises(
        InvalidValueError,
        match=r"^ops\.csv, column 'id' \(operator_id\), line 5: empty value in a "
        r"required column; expected a value in every row$",
    ):
        read_mapped(path, "operators", {"operator_id": "id", "name": "nome"}, extras={})


def test_broken_quoting_is_refused_with_its_line(tmp_path):
    path = write(tmp_path, "ops.csv", 'id,nome\nop-1,Ana\nop-2,"Bia"x\n')

    with pytest.raises(DataContractError, match=r"^ops\.csv, line 3: broken quoting"):
        read_mapped(path, "operators", {"operator_id": "id", "name": "nome"})


def test_nul_characters_hint_at_utf16(tmp_path):
    path = tmp_path / "ops.csv"
    path.write_bytes("id,nome\nop-1,Ana\n".encode("utf-16-le"))

    with pytest.raises(DataContractError, match=r"^ops\.csv, line 1: .*utf-16"):
        read_mapped(path, "operators", {"operator_id": "id", "name": "nome"})


def test_contract_errors_after_mapping_name_the_file_line(tmp_path):
    path = write(
        tmp_path,
        "msgs.csv",
        "id,conversa,quando,quem,atendente,texto\n"
        'm1,t1,2025-03-10 09:00,contact,,"bom dia\ntudo bem?"\n'
        "m2,t9,2025-03-10 09:05,contact,,oi\n",
    )
    messages = read_mapped(path, "messages", MESSAGES, extras={"texto": "texto"})

    with pytest.raises(
        DanglingReferenceError,
        match=r"^messages, column 'ticket_id', rows 1, 2: reference to a row that "
        r"does not exist .*\[msgs\.csv, lines 2, 4\]$",
    ):
        dataset_from_mapped(other_tables(messages=messages), tz=SP)


# --- amounts and dates ------------------------------------------------------


@pytest.mark.parametrize(
    ("decimal", "typed", "expected"),
    [
        (",", "1.234,56", "1234.56"),
        (",", "R$ 1.234,5", "1234.50"),
        (",", "R$\u00a012,00", "12.00"),
        (",", " 0,1 ", "0.10"),
        (",", "1.500", "1500.00"),  # thousands separator, not a decimal
        (",", "1234", "1234.00"),
        (",", "007,50", "7.50"),
        (",", "12,500", "12.50"),  # a third decimal that is zero
        (".", "1,234.56", "1234.56"),
        (".", "19.9", "19.90"),
        (",", "-0,00", "0.00"),
    ],
)
def test_amounts_typed_by_people_become_exact_text(decimal, typed, expected):
    amounts, problems = _amounts(pd.Series([typed], dtype="str"), decimal=decimal)

    assert amounts.tolist() == [expected]
    assert not any(problem.mask.any() for problem in problems)


@pytest.mark.parametrize(
    ("decimal", "typed", "problem"),
    [
        (",", "1.5", "not an amount"),  # a dot that is no thousands separator
        (",", "1,234.56", "not an amount"),  # the other convention
        (",", "12,345", "more than two decimals"),
        (",", "-5,00", "negative amount"),
        (",", "1e3", "not an amount"),
        (".", "US$ 5", "not an amount"),
        (".", "1.234,56", "not an amount"),
    ],
)
def test_amounts_that_are_not_exact_reais_are_flagged(decimal, typed, problem):
    _, problems = _amounts(pd.Series([typed], dtype="str"), decimal=decimal)

    flagged = [p.problem for p in problems if p.mask.any()]
    assert flagged == [problem]


def test_amounts_refused_with_file_column_and_line(tmp_path):
    path = write(tmp_path, "pedidos.csv", "Pedido;Valor\n1;10,00\n2;10.5\n")

    with pytest.raises(
        InvalidValueError,
        match=r"^pedidos\.csv, column 'Valor' \(amount\), line 3: not an amount "
        r"\(found '10.5'\); expected a number such as 1.234,56",
    ):
        read_mapped(
            path,
            "payments",
            {
                "payment_id": "Pedido",
                "opportunity_id": "Pedido",
                "status": Constant("paid"),
                "occurred_at": Constant("2025-01-01"),
                "amount": "Valor",
            },
            decimal=",",
        )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("31/12/2025", "2025-12-31 00:00"),
        ("31-12-2025 14:30", "2025-12-31 14:30"),
        ("1.2.2025 9:05:30", "2025-02-01 09:05:30"),
        ("05/03/2025 08:30", "2025-03-05 08:30"),  # 5 March, not 3 May
        ("2025-12-31T14:30:00", "2025-12-31 14:30"),  # ISO is always accepted
    ],
)
def test_day_first_dates(typed, expected):
    options = _DateOptions(dayfirst=True, date_format=None, tz=SP)

    instants, problems = _instants(pd.Series([typed], dtype="str"), options)

    assert instants.tolist() == [pd.Timestamp(expected, tz=SP)]
    assert not problems[0].mask.any()


@pytest.mark.parametrize(
    "typed", ["31/02/2025", "12/31/2025", "31/12/25", "31/12/2025 25:00", "amanhã"]
)
def test_day_first_refuses_what_is_not_a_day_first_date(typed):
    options = _DateOptions(dayfirst=True, date_format=None, tz=SP)

    instants, problems = _instants(pd.Series([typed], dtype="str"), options)

    assert instants.isna().all()
    assert problems[0].mask.tolist() == [True]


def test_explicit_date_format_with_and_without_offset():
    with_offset = _DateOptions(dayfirst=False, date_format="%d.%m.%Y %H:%M %z", tz=SP)
    wall_clock = _DateOptions(dayfirst=False, date_format="%m/%d/%Y %I:%M %p", tz=SP)

    aware, _ = _instants(
        pd.Series(["05.03.2025 12:00 +0000"], dtype="str"), with_offset
    )
    naive, _ = _instants(pd.Series(["03/05/2025 02:30 PM"], dtype="str"), wall_clock)

    assert aware.tolist() == [pd.Timestamp("2025-03-05 09:00", tz=SP)]
    assert naive.tolist() == [pd.Timestamp("2025-03-05 14:30", tz=SP)]


# --- the mapping itself -----------------------------------------------------


def test_ids_are_never_read_as_numbers(tmp_path):
    path = write(
        tmp_path,
        "ops.csv",
        "id,nome\n401013266745e5661589292315434968,Ana\n0012,Bia\n1.0,Caio\n",
    )

    mapped = read_mapped(path, "operators", {"operator_id": "id", "name": "nome"})

    assert mapped.frame["operator_id"].tolist() == [
        "401013266745e5661589292315434968",
        "0012",
        "1.0",
    ]


def test_header_names_unnamed_and_repeated(tmp_path):
    """pandas writes its index under an empty name; spreadsheets repeat names."""
    path = write(tmp_path, "ops.csv", ",id,nome,nome\n0,op-1,Ana,A.\n")
    seen = {}

    def name(raw: pd.DataFrame) -> pd.Series:
        seen["columns"] = raw.columns.tolist()
        return raw["nome"]

    read_mapped(path, "operators", {"operator_id": "id", "name": name})

    assert seen["columns"] == ["Unnamed: 0", "id", "nome", "nome.1"]


def test_derivations_see_text_with_missing_cells(tmp_path):
    path = write(tmp_path, "ops.csv", "id,first,last\n1,Ana,\n2,,Souza\n")
    seen = {}

    def full_name(raw: pd.DataFrame) -> pd.Series:
        seen["dtypes"] = raw.dtypes.astype(str).tolist()
        return raw["first"].fillna("") + " " + raw["last"].fillna("")

    mapped = read_mapped(path, "operators", {"operator_id": "id", "name": full_name})

    assert seen["dtypes"] == ["str", "str", "str"]
    assert mapped.frame["name"].tolist() == ["Ana", "Souza"]  # blanks stripped


def test_exclude_sets_rows_aside_with_the_callers_reason():
    mapped = read_orders(
        exclude={"a collection, not a sale": lambda raw: raw["Tipo"].eq("cobrança")}
    )

    assert mapped.frame["opportunity_id"].tolist() == ["0007", "0008", "0010"]
    rejected = mapped.rejected
    assert rejected["line"].tolist() == [4]
    assert cells(rejected["column"]) == [None]
    assert rejected["reason"].tolist() == ["a collection, not a sale"]
    assert rejected["Pedido"].tolist() == ["0009"]


def test_a_missing_source_column_lists_what_the_file_has():
    with pytest.raises(
        MissingColumnError,
        match=r"^pedidos_ptbr\.csv: no column 'Criado' \(for created_at\); the file "
        r"has 'Pedido', 'Tipo', ",
    ):
        read_mapped(
            FIXTURES / "pedidos_ptbr.csv",
            "opportunities",
            {**ORDERS, "created_at": "Criado"},
        )


def test_a_wrong_delimiter_gets_a_hint():
    with pytest.raises(MissingColumnError, match=r"pass the file's delimiter="):
        read_mapped(
            FIXTURES / "pedidos_ptbr.csv", "opportunities", ORDERS, delimiter=","
        )


@pytest.mark.parametrize(
    ("mapping", "extras", "error", "match"),
    [
        (
            {**ORDERS, "valor": "Valor"},
            {},
            DataContractError,
            r"'valor' is not a column of the opportunities table; .*extras=",
        ),
        (
            {k: v for k, v in ORDERS.items() if k != "kind"},
            {},
            MissingColumnError,
            r"no mapping for the required opportunities column 'kind'",
        ),
        (
            ORDERS,
            {"amount": "Valor"},
            DataContractError,
            r"extra column 'amount' is a contract column of opportunities",
        ),
        (
            {**ORDERS, "amount": 12},
            {},
            TypeError,
            r"mapping for 'amount' must be a source column name, a Constant or a "
            r"callable, not int",
        ),
        (
            {**ORDERS, "kind": lambda raw: ["cart"]},
            {},
            TypeError,
            r"the function mapped to 'kind' must return one value per row \(4\)",
        ),
    ],
    ids=["unknown", "unmapped", "extra-clash", "type", "length"],
)
def test_mapping_mistakes_are_refused(mapping, extras, error, match):
    with pytest.raises(error, match=match):
        read_mapped(
            FIXTURES / "pedidos_ptbr.csv",
            "opportunities",
            mapping,
            extras=extras,
            decimal=",",
            dayfirst=True,
        )


@pytest.mark.parametrize(
    ("option", "match"),
    [
        (
            {"on_bad_rows": "skip"},
            r"on_bad_rows must be 'raise' or 'reject', not 'skip'",
        ),
        ({"decimal": ";"}, r"decimal must be '.' or ',', not ';'"),
        ({"encoding": "latin-9000"}, r"unknown encoding 'latin-9000'"),
    ],
)
def test_unknown_options_are_refused(option, match):
    with pytest.raises(ValueError, match=match):
        read_mapped(FIXTURES / "pedidos_ptbr.csv", "opportunities", ORDERS, **option)


def test_unknown_table_and_zone_are_refused():
    with pytest.raises(DataContractError, match=r"unknown contract table 'orders'"):
        read_mapped(FIXTURES / "pedidos_ptbr.csv", "orders", ORDERS)
    with pytest.raises(SelectionError, match=r"unknown time zone 'Mars/Olympus'"):
        read_mapped(
            FIXTURES / "pedidos_ptbr.csv", "opportunities", ORDERS, tz="Mars/Olympus"
        )


def test_parquet_keeps_its_types_and_names_rows(tmp_path):
    path = tmp_path / "pagamentos.parquet"
    table = pa.table(
        {
            "id": pa.array([1, 2, 3]),
            "pedido": pa.array([10, 10, 11]),
            "quando": pa.array(
                pd.to_datetime(
                    ["2025-03-01 10:00", "2025-03-02 11:00", "bad"], errors="coerce"
                )
            ),
            "valor": pa.array([0.1, 19.9, 5.0]),
        }
    )
    pq.write_table(table, path)
    mapping = {
        "payment_id": "id",
        "opportunity_id": "pedido",
        "status": Constant("paid"),
        "occurred_at": "quando",
        "amount": "valor",
    }

    with pytest.raises(
        InvalidValueError,
        match=r"^pagamentos\.parquet, column 'quando' \(occurred_at\), row 3: empty "
        r"value in a required column",
    ):
        read_mapped(path, "payments", mapping)
    mapped = read_mapped(path, "payments", mapping, on_bad_rows="reject")

    assert mapped.frame["payment_id"].tolist() == ["1", "2"]
    assert mapped.frame["amount"].tolist() == ["0.10", "19.90"]
    assert mapped.frame["occurred_at"].tolist() == [
        pd.Timestamp("2025-03-01 10:00", tz=SP),
        pd.Timestamp("2025-03-02 11:00", tz=SP),
    ]
    assert mapped.lines.tolist() == [1, 2]
    assert mapped.rejected["line"].tolist() == [3]


def test_nothing_set_aside_gives_an_empty_frame_with_the_columns():
    rejected = read_orders().rejected

    assert rejected.empty
    assert list(rejected.columns)[:4] == ["line", "column", "reason", "value"]
    assert "Pedido" in rejected.columns
