"""Tests of the sample-data generator: determinism, sizes and the data contract.

Every rule the loader enforces, and the features the report depends on, are
checked on the written files, read back as text so that leading zeros survive.
"""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poli_analytics.sample import _local_to_utc, generate_sample

TZ = "America/Sao_Paulo"
MESSAGES = 20_000
SEED = 7
TABLES = {
    "contacts": ["contact_id", "name", "email", "phone", "created_at"],
    "operators": ["operator_id", "name"],
    "chats": [
        "ticket_id", "contact_id", "operator_id", "department", "channel",
        "campaign", "opened_at", "assigned_at", "first_response_at", "closed_at",
        "rating", "tags",
    ],
    "messages": ["message_id", "ticket_id", "sent_at", "sender", "operator_id"],
    "opportunities": [
        "opportunity_id", "kind", "ticket_id", "contact_id", "operator_id",
        "created_at", "amount",
    ],
    "payments": ["payment_id", "opportunity_id", "status", "occurred_at", "amount"],
}  # fmt: skip
KEYS = {
    "contacts": "contact_id",
    "operators": "operator_id",
    "chats": "ticket_id",
    "messages": "message_id",
    "opportunities": "opportunity_id",
    "payments": "payment_id",
}
TIME_COLUMN = {
    "contacts": "created_at",
    "chats": "opened_at",
    "messages": "sent_at",
    "opportunities": "created_at",
    "payments": "occurred_at",
}
ID_PATTERNS = {
    "contacts": r"\d{7}",
    "operators": r"op-\d{3}",
    "chats": r"k-\d{6}",
    "messages": r"m-\d{8}",
    "opportunities": r"o-\d{6}",
    "payments": r"p-\d{6}",
}
ACCENTED = r"[áéíóúâêôãõçÁÉÍÓÚÂÊÔÃÕÇ]"
ISO_UTC = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def read_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The six CSV tables as text; empty cells are missing."""
    return {
        name: pd.read_csv(
            folder / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""]
        )
        for name in TABLES
    }


def as_list(column: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v for v in column]


def ts(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column, format="%Y-%m-%dT%H:%M:%SZ", utc=True)


def cents(column: pd.Series) -> pd.Series:
    return column.str.replace(".", "", regex=False).astype("int64")


def operator_messages(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    messages = t["messages"]
    frame = messages.loc[messages["sender"].eq("operator")].copy()
    frame["sent"] = ts(frame["sent_at"])
    return frame


def chat_times(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    chats = t["chats"].set_index("ticket_id")
    return pd.DataFrame(
        {
            name: ts(chats[name])
            for name in ("opened_at", "assigned_at", "first_response_at", "closed_at")
        }
    )


def check_shape(t: dict[str, pd.DataFrame], counts: dict[str, int]) -> None:
    assert list(counts) == list(TABLES)
    for name, columns in TABLES.items():
        frame = t[name]
        assert list(frame.columns) == columns, name
        assert len(frame) == counts[name], name
        assert frame[KEYS[name]].is_unique, name
        assert frame[KEYS[name]].str.fullmatch(ID_PATTERNS[name]).all(), name
        # IDs count up in file order, which is time order.
        assert frame[KEYS[name]].is_monotonic_increasing, name
        assert not frame.duplicated().any(), name
        if name in TIME_COLUMN:
            stamps = frame[TIME_COLUMN[name]]
            assert stamps.str.fullmatch(ISO_UTC).all(), name
            assert ts(stamps).is_monotonic_increasing, name


def check_chats(t: dict[str, pd.DataFrame]) -> None:
    chats = t["chats"]
    required = ["ticket_id", "contact_id", "department", "channel", "opened_at"]
    assert chats[required].notna().all().all()
    assert chats["contact_id"].isin(t["contacts"]["contact_id"]).all()
    holder = chats["operator_id"].dropna()
    assert holder.isin(t["operators"]["operator_id"]).all()
    assert (
        chats["department"].isin(["Vendas", "Suporte", "Financeiro", "Pós-venda"]).all()
    )
    assert (
        chats["channel"].isin(["whatsapp", "instagram", "messenger", "webchat"]).all()
    )
    assert chats["rating"].dropna().isin(["1", "2", "3", "4", "5"]).all()
    tags = chats["tags"].dropna().str.split("|").explode()
    assert tags.isin(["vip", "promoção", "troca", "urgente", "atacado"]).all()

    times = chat_times(t)
    start = times["assigned_at"].fillna(times["opened_at"])
    assigned = times["assigned_at"].notna()
    assert (times["assigned_at"][assigned] >= times["opened_at"][assigned]).all()
    responded = times["first_response_at"].notna()
    assert (times["first_response_at"][responded] >= start[responded]).all()
    # A chat never assigned was never answered by an operator.
    assert not (times["assigned_at"].isna() & responded).any()
    assert (chats["operator_id"].isna().to_numpy() == times["assigned_at"].isna()).all()
    latest = times["first_response_at"].fillna(start)
    closed = times["closed_at"].notna()
    assert (times["closed_at"][closed] >= latest[closed]).all()


def check_messages(t: dict[str, pd.DataFrame]) -> None:
    messages = t["messages"]
    chats = t["chats"].set_index("ticket_id")
    times = chat_times(t)
    assert (
        messages[["message_id", "ticket_id", "sent_at", "sender"]].notna().all().all()
    )
    assert messages["ticket_id"].isin(chats.index).all()
    assert messages["sender"].isin(["contact", "operator", "bot"]).all()
    by_operator = messages["sender"].eq("operator")
    assert messages["operator_id"].notna().eq(by_operator).all()
    assert messages["operator_id"].dropna().isin(t["operators"]["operator_id"]).all()

    sent = ts(messages["sent_at"])
    opened = messages["ticket_id"].map(times["opened_at"])
    assert (sent >= opened).all()
    # Every chat opens with the contact's message at opened_at.
    first = messages.groupby("ticket_id", sort=False).head(1)
    assert set(first["ticket_id"]) == set(chats.index)
    assert first["sender"].eq("contact").all()
    assert (ts(first["sent_at"]).to_numpy() == opened[first.index].to_numpy()).all()

    # The bot speaks before any operator.
    per_chat = pd.DataFrame({"ticket_id": messages["ticket_id"], "sent": sent})
    bot_last = per_chat[messages["sender"].eq("bot")].groupby("ticket_id")["sent"].max()
    op_first = per_chat[by_operator].groupby("ticket_id")["sent"].min()
    both = bot_last.index.intersection(op_first.index)
    assert (bot_last[both] < op_first[both]).all()

    # first_response_at is the first operator message; none without it.
    answered = times["first_response_at"].dropna()
    assert set(op_first.index) == set(answered.index)
    assert (op_first[answered.index] == answered).all()
    # Nothing is written after the chat closed.
    last = per_chat.groupby("ticket_id")["sent"].max()
    closed = times["closed_at"].dropna()
    assert (last[closed.index] <= closed).all()


def check_contacts(t: dict[str, pd.DataFrame]) -> None:
    contacts = t["contacts"]
    assert contacts[["contact_id", "created_at"]].notna().all().all()
    assert contacts["phone"].dropna().str.fullmatch(r"\+55\d{2}9\d{8}").all()
    assert (
        contacts["email"].dropna().str.fullmatch(r"[a-z0-9._]+@example\.[a-z]+").all()
    )
    # Nobody is unreachable.
    assert (contacts["phone"].notna() | contacts["email"].notna()).all()


def check_opportunities(t: dict[str, pd.DataFrame]) -> None:
    opportunities = t["opportunities"]
    chats = t["chats"].set_index("ticket_id")
    times = chat_times(t)
    required = ["opportunity_id", "kind", "contact_id", "operator_id", "created_at"]
    assert opportunities[[*required, "amount"]].notna().all().all()
    assert opportunities["kind"].isin(["cart", "payment_request"]).all()
    assert opportunities["operator_id"].isin(t["operators"]["operator_id"]).all()
    assert opportunities["contact_id"].isin(t["contacts"]["contact_id"]).all()
    assert opportunities["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    amount = cents(opportunities["amount"])
    assert amount.between(1_990, 250_000).all()

    in_chat = opportunities[opportunities["ticket_id"].notna()]
    assert in_chat["ticket_id"].isin(chats.index).all()
    assert in_chat["contact_id"].eq(in_chat["ticket_id"].map(chats["contact_id"])).all()
    writers = operator_messages(t)
    wrote = set(zip(writers["ticket_id"], writers["operator_id"], strict=True))
    pairs = zip(in_chat["ticket_id"], in_chat["operator_id"], strict=True)
    assert all(pair in wrote for pair in pairs)
    created = ts(in_chat["created_at"])
    chat = times.loc[in_chat["ticket_id"]].set_axis(in_chat.index)
    assert (created >= chat["first_response_at"]).all()
    closed = chat["closed_at"].notna()
    assert (created[closed] <= chat["closed_at"][closed]).all()


def check_payments(t: dict[str, pd.DataFrame]) -> None:
    payments = t["payments"]
    opportunities = t["opportunities"].set_index("opportunity_id")
    assert payments.notna().all().all()
    assert payments["opportunity_id"].isin(opportunities.index).all()
    assert payments["status"].isin(["paid", "refunded"]).all()
    assert payments["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    amount = cents(payments["amount"])
    assert (amount > 0).all()
    occurred = ts(payments["occurred_at"])
    created = ts(payments["opportunity_id"].map(opportunities["created_at"]))
    assert (occurred >= created).all()

    paid = payments["status"].eq("paid")
    paid_total = amount[paid].groupby(payments["opportunity_id"][paid]).sum()
    opp_amount = cents(opportunities["amount"])
    assert (paid_total <= opp_amount[paid_total.index]).all()
    refunds = payments[~paid]
    assert refunds["opportunity_id"].isin(paid_total.index).all()
    first_paid = amount[paid].groupby(payments["opportunity_id"][paid]).min()
    last_paid_at = occurred[paid].groupby(payments["opportunity_id"][paid]).max()
    assert (
        amount[~paid].to_numpy() <= first_paid[refunds["opportunity_id"]].to_numpy()
    ).all()
    refund_at = occurred[~paid].to_numpy()
    assert (refund_at > last_paid_at[refunds["opportunity_id"]].to_numpy()).all()


def check_all(t: dict[str, pd.DataFrame], counts: dict[str, int]) -> None:
    check_shape(t, counts)
    check_contacts(t)
    check_chats(t)
    check_messages(t)
    check_opportunities(t)
    check_payments(t)


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("sample_csv")
    return folder, generate_sample(folder, messages=MESSAGES, seed=SEED)


@pytest.fixture(scope="module")
def tables(generated: tuple[Path, dict[str, int]]) -> dict[str, pd.DataFrame]:
    return read_tables(generated[0])


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample_parquet")
    generate_sample(folder, messages=MESSAGES, seed=SEED, file_format="parquet")
    return folder


# --------------------------------------------------------------------------
# Files, sizes, determinism
# --------------------------------------------------------------------------


def test_writes_six_csv_files_with_contract_headers(
    generated: tuple[Path, dict[str, int]],
) -> None:
    folder, counts = generated
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}.csv" for n in TABLES
    )
    for name, columns in TABLES.items():
        raw = (folder / f"{name}.csv").read_bytes()
        header, _, body = raw.partition(b"\n")
        assert header.decode() == ",".join(columns)
        assert body.count(b"\n") == counts[name]
        assert b'"' not in raw
        assert not raw.startswith(b"\xef\xbb\xbf")


def test_sizes_follow_the_message_count(generated: tuple[Path, dict[str, int]]) -> None:
    _, counts = generated
    assert counts["messages"] == MESSAGES
    chats = counts["chats"]
    assert chats == pytest.approx(MESSAGES / 8, rel=0.01)
    assert counts["contacts"] == pytest.approx(0.6 * chats, rel=0.02)
    assert counts["opportunities"] == pytest.approx(0.3 * chats, rel=0.02)
    assert 30 <= counts["operators"] <= 60
    # About 45% paid once, 3% twice, 4% of those refunded.
    assert counts["payments"] == pytest.approx(0.53 * counts["opportunities"], rel=0.1)


@pytest.mark.parametrize("messages", [1, 2, 3, 7, 60, 333])
def test_tiny_datasets_keep_the_contract(tmp_path: Path, messages: int) -> None:
    counts = generate_sample(tmp_path, messages=messages, seed=messages)
    check_all(read_tables(tmp_path), counts)
    assert counts["operators"] >= 5
    assert counts["chats"] >= 1
    if messages >= 3:
        assert counts["messages"] == messages
    else:
        assert messages <= counts["messages"] <= 3


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    messages=st.integers(min_value=1, max_value=3_000),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_contract_holds_for_any_size_and_seed(messages: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        counts = generate_sample(folder, messages=messages, seed=seed)
        check_all(read_tables(Path(folder)), counts)
    if messages >= 3:
        assert counts["messages"] == messages


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_same_seed_gives_identical_bytes(tmp_path: Path, file_format: str) -> None:
    runs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        folder = tmp_path / name
        generate_sample(folder, messages=5_000, seed=seed, file_format=file_format)
        runs[name] = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    assert len(runs["a"]) == 6
    assert runs["a"] == runs["b"]
    assert runs["a"]["messages." + file_format] != runs["c"]["messages." + file_format]
    assert runs["a"]["contacts." + file_format] != runs["c"]["contacts." + file_format]


def test_switching_format_leaves_one_file_per_table(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    generate_sample(tmp_path, messages=500)
    generate_sample(tmp_path, messages=500, file_format="parquet")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([*(f"{n}.parquet" for n in TABLES), "notes.txt"])


@pytest.mark.parametrize("messages", [0, -5, 2.5, True, "100"])
def test_rejects_a_bad_message_count(tmp_path: Path, messages: object) -> None:
    with pytest.raises(ValueError, match="messages must be a positive integer"):
        generate_sample(tmp_path, messages=messages)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_rejects_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="file_format must be 'csv' or 'parquet'"):
        generate_sample(tmp_path, file_format="xlsx")  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# The contract rules, one family per test
# --------------------------------------------------------------------------


def test_keys_ids_and_order(
    tables: dict[str, pd.DataFrame], generated: tuple[Path, dict[str, int]]
) -> None:
    check_shape(tables, generated[1])
    # Leading zeros survive as text.
    assert tables["contacts"]["contact_id"].iloc[0] == "0000001"
    assert tables["chats"]["ticket_id"].iloc[0] == "k-000001"
    assert tables["messages"]["message_id"].iloc[0] == "m-00000001"
    assert tables["operators"]["operator_id"].iloc[0] == "op-001"
    assert tables["opportunities"]["opportunity_id"].iloc[0] == "o-000001"
    assert tables["payments"]["payment_id"].iloc[0] == "p-000001"
    assert tables["chats"]["contact_id"].str.startswith("000").all()


def test_chats_reference_contacts_and_times_run_forward(
    tables: dict[str, pd.DataFrame],
) -> None:
    check_chats(tables)
    chats = tables["chats"]
    # A few chats were never assigned; some are still open.
    assert 0 < chats["operator_id"].isna().mean() < 0.06
    assert 0 < chats["closed_at"].isna().mean() < 0.1
    assert chats["first_response_at"].isna().sum() > chats["operator_id"].isna().sum()


def test_messages_follow_the_chat(tables: dict[str, pd.DataFrame]) -> None:
    check_messages(tables)
    senders = tables["messages"]["sender"].value_counts(normalize=True)
    assert set(senders.index) == {"contact", "operator", "bot"}
    assert 0.3 < senders["operator"] < 0.6
    assert 0.01 < senders["bot"] < 0.1


def test_contacts_mostly_exist_before_their_first_chat(
    tables: dict[str, pd.DataFrame],
) -> None:
    check_contacts(tables)
    contacts = tables["contacts"].set_index("contact_id")
    chats = tables["chats"]
    first_open = ts(chats["opened_at"]).groupby(chats["contact_id"]).min()
    created = ts(contacts["created_at"])[first_open.index]
    before = created <= first_open
    assert before.mean() > 0.9
    late = created[~before] - first_open[~before]
    assert len(late) > 0
    assert (late <= pd.Timedelta(hours=3)).all()
    # Returning customers: some contacts have several chats.
    chats_per_contact = chats["contact_id"].value_counts()
    assert chats_per_contact.max() >= 4
    assert (chats_per_contact >= 2).mean() > 0.2


def test_transfers_credit_two_writers(tables: dict[str, pd.DataFrame]) -> None:
    writers = operator_messages(tables)
    per_chat = writers.groupby("ticket_id")["operator_id"]
    distinct = per_chat.nunique()
    assert distinct.max() == 2
    n_chats = len(tables["chats"])
    assert 0.05 < (distinct == 2).sum() / n_chats < 0.15
    transferred = distinct.index[distinct == 2]
    holder = tables["chats"].set_index("ticket_id")["operator_id"][transferred]
    assert (holder == per_chat.last()[transferred]).all()
    assert (holder != per_chat.first()[transferred]).all()
    # Once the colleague takes over, the first writer does not come back.
    switches = writers["operator_id"].ne(
        writers.groupby("ticket_id")["operator_id"].shift()
    )
    assert (switches.groupby(writers["ticket_id"]).sum() <= 2).all()


def test_opportunities_belong_to_their_chat_and_writer(
    tables: dict[str, pd.DataFrame],
) -> None:
    check_opportunities(tables)
    opportunities = tables["opportunities"]
    without_chat = opportunities["ticket_id"].isna().mean()
    assert 0.03 < without_chat < 0.07
    assert set(opportunities["kind"]) == {"cart", "payment_request"}
    amount = cents(opportunities["amount"])
    assert amount.nunique() > 100
    assert (amount % 100 != 0).any()
    assert (amount % 100 == 0).any()


def test_payments_once_twice_refunded_and_late(tables: dict[str, pd.DataFrame]) -> None:
    check_payments(tables)
    payments = tables["payments"]
    n_opportunities = len(tables["opportunities"])
    paid = payments[payments["status"].eq("paid")]
    paid_rows = paid["opportunity_id"].value_counts()
    assert paid_rows.max() == 2
    assert 0.40 < len(paid_rows) / n_opportunities < 0.56
    assert 0.015 < (paid_rows == 2).sum() / n_opportunities < 0.05
    refunded = payments.loc[payments["status"].eq("refunded"), "opportunity_id"]
    assert refunded.is_unique
    assert 0.01 < len(refunded) / len(paid_rows) < 0.08

    opportunities = tables["opportunities"].set_index("opportunity_id")
    created = ts(paid["opportunity_id"].map(opportunities["created_at"]))
    occurred = ts(paid["occurred_at"])
    local_created = created.dt.tz_convert(TZ)
    local_paid = occurred.dt.tz_convert(TZ)
    later_day = local_paid.dt.date != local_created.dt.date
    later_month = (local_paid.dt.year * 12 + local_paid.dt.month) > (
        local_created.dt.year * 12 + local_created.dt.month
    )
    assert 0.1 < later_day.mean() < 0.6
    assert later_month.sum() > 10
    assert (occurred - created).max() > pd.Timedelta(days=30)


def test_content_looks_brazilian(tables: dict[str, pd.DataFrame]) -> None:
    contacts = tables["contacts"]
    names = contacts["name"].dropna()
    assert names.str.contains(ACCENTED).mean() > 0.3
    assert names.str.fullmatch(r"\S+( \S+){1,2}").all()
    assert 0.03 < contacts["name"].isna().mean() < 0.15
    assert 0.2 < contacts["email"].isna().mean() < 0.6
    assert 0.02 < contacts["phone"].isna().mean() < 0.3
    assert tables["operators"]["name"].str.contains(ACCENTED).any()
    assert tables["operators"]["name"].is_unique

    chats = tables["chats"]
    assert set(chats["department"]) == {"Vendas", "Suporte", "Financeiro", "Pós-venda"}
    assert set(chats["channel"]) == {"whatsapp", "instagram", "messenger", "webchat"}
    assert chats["channel"].value_counts().index[0] == "whatsapp"
    campaigns = chats["campaign"]
    assert 0.7 < campaigns.isna().mean() < 0.95
    assert {"black-friday", "dia-das-mães", "natal", "verão-2025"} <= set(
        campaigns.dropna()
    )
    opened = ts(chats["opened_at"]).dt.tz_convert(TZ)
    black_friday = campaigns.eq("black-friday")
    assert (opened[black_friday].dt.month == 11).all()
    assert chats["tags"].str.contains("|", regex=False).any()
    assert 0.4 < chats["tags"].isna().mean() < 0.8
    assert set(chats["rating"].dropna()) == {"1", "2", "3", "4", "5"}
    assert chats["rating"].eq("5").sum() > chats["rating"].eq("1").sum()


def test_history_crosses_2019_and_local_hours_are_business_hours(
    tables: dict[str, pd.DataFrame],
) -> None:
    opened = ts(tables["chats"]["opened_at"])
    local = opened.dt.tz_convert(TZ)
    assert (local.dt.year < 2019).sum() > 20
    assert (local.dt.year == 2025).sum() > (local.dt.year == 2019).sum()
    assert local.min() >= pd.Timestamp("2018-06-01", tz=TZ)
    assert local.max() < pd.Timestamp("2026-01-01", tz=TZ)
    # Chats open between 08:00 and 21:59 local, daylight saving time included.
    assert local.dt.hour.between(8, 21).all()
    dst = local[(local >= pd.Timestamp("2018-11-05", tz=TZ)) & (local.dt.year == 2018)]
    assert len(dst) > 5
    assert (
        (dst.dt.tz_localize(None) - opened[dst.index].dt.tz_localize(None))
        .eq(pd.Timedelta(hours=-2))
        .all()
    )


def test_evening_messages_fall_on_the_next_utc_day(
    tables: dict[str, pd.DataFrame],
) -> None:
    sent = ts(tables["messages"]["sent_at"])
    local = sent.dt.tz_convert(TZ)
    evening = local.dt.hour >= 21
    next_utc_day = sent.dt.date != local.dt.date
    assert (evening & next_utc_day).sum() > 100
    # Every UTC date change comes from an evening: nothing happens before dawn.
    assert (local.dt.hour[next_utc_day] >= 21).all()


def test_local_to_utc_uses_historical_offsets() -> None:
    local = np.array(
        ["2018-12-01T10:00:00", "2025-03-12T12:00:00", "2019-02-16T21:30:00"],
        dtype="datetime64[s]",
    ).astype(np.int64)
    expected = np.array(
        ["2018-12-01T12:00:00", "2025-03-12T15:00:00", "2019-02-16T23:30:00"],
        dtype="datetime64[s]",
    ).astype(np.int64)
    assert (_local_to_utc(local) == expected).all()
    assert _local_to_utc(np.zeros(0, dtype=np.int64)).shape == (0,)


# --------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------


def test_parquet_types_are_exact(parquet_dir: Path) -> None:
    for name, columns in TABLES.items():
        schema = pq.read_schema(parquet_dir / f"{name}.parquet")
        assert schema.names == columns
        for field in schema:
            if field.name.endswith("_id") or field.name in ("name", "phone", "tags"):
                assert field.type == pa.string(), (name, field.name)
            if field.name.endswith("_at"):
                assert field.type == pa.timestamp("us", tz="UTC"), (name, field.name)
            if field.name == "amount":
                assert field.type == pa.decimal128(12, 2), name
        if name == "chats":
            assert schema.field("rating").type == pa.int64()


def test_parquet_holds_the_same_data_as_csv(
    parquet_dir: Path, tables: dict[str, pd.DataFrame]
) -> None:
    for name, columns in TABLES.items():
        frame = pq.read_table(parquet_dir / f"{name}.parquet").to_pandas()
        text = tables[name]
        assert len(frame) == len(text)
        for column in columns:
            if column.endswith("_at"):
                assert frame[column].dt.tz is not None
                expected = ts(text[column]).dt.as_unit("us")
                pd.testing.assert_series_equal(
                    frame[column], expected, check_names=False
                )
            elif column == "amount":
                assert all(isinstance(v, Decimal) for v in frame[column])
                assert [str(v) for v in frame[column]] == text[column].tolist()
            elif column == "rating":
                rating = [None if pd.isna(v) else str(int(v)) for v in frame[column]]
                assert rating == as_list(text[column])
            else:
                assert as_list(frame[column]) == as_list(text[column]), (name, column)


# --------------------------------------------------------------------------
# The package's own loader accepts the sample
# --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["csv", "parquet"])
def test_loader_accepts_the_sample(
    which: str, generated: tuple[Path, dict[str, int]], parquet_dir: Path
) -> None:
    loading = pytest.importorskip("poli_analytics.loading")
    folder = generated[0] if which == "csv" else parquet_dir
    data = loading.load_dataset(folder)
    assert len(data.messages) == MESSAGES
    assert data.quality.is_clean
    assert re.fullmatch(r"\d{7}", data.contacts["contact_id"].iloc[0])
