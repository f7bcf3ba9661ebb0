"""Recipe: Olist's marketing funnel mapped onto the contract, and its report.

Reads two files of Olist's "Marketing Funnel" (not part of this repository,
see ``docs/recipes.md``) as a spreadsheet re-saved them (CRLF line ends,
day-first dates, ``won_date`` without seconds), and reports opportunities,
sales and new customers per sales rep, overall and by campaign.

How the funnel becomes the contract:

- each marketing-qualified lead -> a contact created on its first contact
  date, and one chat (department ``Olist sales``, channel ``web``) opened
  then, whose campaign is the lead's ``origin`` (an empty origin becomes the
  campaign ``(no origin)``, so that it can be selected like the others);
- each lead -> a contact message at its first contact;
- each closed deal -> an opportunity (``payment_request``) created on
  ``won_date`` by the sales rep (``sr_id``), paid at once (a ``paid``
  payment), and an operator message from the sales rep on that date (the
  funnel logs no conversations; the won deal is the rep's contact with the
  lead, which makes the lead a new customer of that rep);
- sales reps -> operators, named after the start of their hashed ID.

The funnel holds no deal value: every amount is 0.00 (see
``docs/recipes.md`` on ``declared_monthly_revenue``).

Run from the repository root::

    python examples/olist_funnel.py [FOLDER] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
        [--won-tz ZONE] [--top 5]

FOLDER defaults to ``../shared/data/real/olist-marketing-funnel`` relative
to the repository.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from poli_analytics import (
    DanglingReferenceError,
    DataContractError,
    Dataset,
    OperatorReport,
    PoliAnalyticsError,
    Selection,
    operator_report,
)
from poli_analytics.errors import describe_rows
from poli_analytics.mapping import (
    Constant,
    MappedTable,
    dataset_from_mapped,
    read_mapped,
)

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = (
    REPOSITORY.parent / "shared" / "data" / "real" / "olist-marketing-funnel"
)
LEADS_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"
ACCOUNT_TZ = "America/Sao_Paulo"
NO_ORIGIN = "(no origin)"
DEPARTMENT = "Olist sales"
#: What a spreadsheet makes of the ``average_stock`` ranges 5-20 and 1-5.
SPREADSHEET_DATES = {"May-20": "5-20", "01-May": "1-5"}
COLUMNS = ["Sales rep", "Opportunities", "Sales", "New customers", "Customers"]


@dataclass(frozen=True)
class OlistFunnel:
    """The funnel as a checked dataset, with what was learnt on the way.

    Attributes
    ----------
    dataset : Dataset
        The six contract tables, in São Paulo time.
    leads, deals : MappedTable
        The two files mapped onto ``contacts`` and ``opportunities``.
    notes : list of str
        Facts about the data worth printing beside the report.
    """

    dataset: Dataset
    leads: MappedTable
    deals: MappedTable
    notes: list[str]


def read_leads(path: Path, *, on_bad_rows: str = "raise") -> MappedTable:
    """Leads as contacts created on their first contact (a day-first date)."""
    return read_mapped(
        path,
        "contacts",
        {"contact_id": "mql_id", "created_at": "first_contact_date"},
        extras={
            "campaign": lambda raw: raw["origin"].fillna(NO_ORIGIN),
            "landing_page_id": "landing_page_id",
        },
        dayfirst=True,
        tz=ACCOUNT_TZ,
        on_bad_rows=on_bad_rows,
    )


def read_deals(
    path: Path, *, won_tz: str = ACCOUNT_TZ, on_bad_rows: str = "raise"
) -> MappedTable:
    """Closed deals as opportunities of the sales rep, created when won."""
    return read_mapped(
        path,
        "opportunities",
        {
            "opportunity_id": "mql_id",
            "kind": Constant("payment_request"),
            "ticket_id": "mql_id",
            "contact_id": "mql_id",
            "operator_id": "sr_id",
            "created_at": "won_date",
            "amount": Constant("0"),
        },
        extras={
            "sdr_id": "sdr_id",
            "seller_id": "seller_id",
            "business_segment": "business_segment",
            "declared_monthly_revenue": "declared_monthly_revenue",
            "average_stock": "average_stock",
        },
        dayfirst=True,
        tz=won_tz,
        on_bad_rows=on_bad_rows,
    )


def _chats(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    rep = deals.set_index("contact_id")["operator_id"]
    tickets = leads["contact_id"]
    missing = pd.Series(pd.NA, index=leads.index, dtype="str")
    no_time = pd.Series(pd.NaT, index=leads.index, dtype=leads["created_at"].dtype)
    return pd.DataFrame(
        {
            "ticket_id": tickets,
            "contact_id": tickets,
            "operator_id": tickets.map(rep),
            "department": DEPARTMENT,
            "channel": "web",
            "campaign": leads["campaign"],
            "opened_at": leads["created_at"],
            "assigned_at": no_time,
            "first_response_at": no_time,
            "closed_at": no_time,
            "rating": missing,
            "tags": missing,
        }
    )


def _messages(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    first_contact = pd.DataFrame(
        {
            "message_id": leads["contact_id"] + ":lead",
            "ticket_id": leads["contact_id"],
            "sent_at": leads["created_at"],
            "sender": "contact",
            "operator_id": pd.Series(pd.NA, index=leads.index, dtype="str"),
        }
    )
    won = pd.DataFrame(
        {
            "message_id": deals["opportunity_id"] + ":won",
            "ticket_id": deals["ticket_id"],
            "sent_at": deals["created_at"].dt.tz_convert(ACCOUNT_TZ),
            "sender": "operator",
            "operator_id": deals["operator_id"],
        }
    )
    return pd.concat([first_contact, won], ignore_index=True)


def _payments(deals: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "payment_id": deals["opportunity_id"],
            "opportunity_id": deals["opportunity_id"],
            "status": "paid",
            "occurred_at": deals["created_at"],
            "amount": deals["amount"],
        }
    )


def _operators(deals: pd.DataFrame) -> pd.DataFrame:
    ids = deals["operator_id"].drop_duplicates().sort_values()
    return pd.DataFrame({"operator_id": ids, "name": "rep " + ids.str[:8]})


def _refuse_orphan_deals(leads: MappedTable, deals: MappedTable) -> None:
    """Every deal closes a lead of the leads file; name the deal lines that do not.

    The chat, message and payment rows built from a deal would otherwise be
    refused with rows of derived tables, which say nothing of the files.
    """
    orphan = ~deals.frame["contact_id"].isin(leads.frame["contact_id"])
    if orphan.any():
        lines = [line - 1 for line in deals.lines[orphan]]
        found = ", ".join(map(repr, deals.frame.loc[orphan, "contact_id"].head(5)))
        msg = (
            f"{deals.source}, column 'mql_id', {describe_rows(lines, csv=True)}: deal "
            f"of a lead absent from {leads.source} (found {found}); expected every "
            "closed deal's mql_id among the leads"
        )
        raise DanglingReferenceError(
            msg, source=deals.source, column="mql_id", rows=lines
        )


def won_before_first_contact(leads: pd.DataFrame, deals: pd.DataFrame) -> pd.DataFrame:
    """Deals won before their lead's first contact day began.

    Returns ``mql_id``, ``first_contact`` and ``won`` (local dates and times).
    """
    first = deals["contact_id"].map(leads.set_index("contact_id")["created_at"])
    early = deals["created_at"].lt(first)
    return pd.DataFrame(
        {
            "mql_id": deals.loc[early, "contact_id"],
            "first_contact": first[early].dt.tz_convert(ACCOUNT_TZ),
            "won": deals.loc[early, "created_at"].dt.tz_convert(ACCOUNT_TZ),
        }
    ).reset_index(drop=True)


def _notes(leads: MappedTable, deals: MappedTable, *, won_tz: str) -> list[str]:
    lead_rows, deal_rows = leads.frame, deals.frame
    early = won_before_first_contact(lead_rows, deal_rows)
    created = lead_rows["created_at"]
    shifted = created.dt.hour.ne(0) | created.dt.minute.ne(0)
    hours = deal_rows["created_at"].dt.tz_convert(won_tz).dt.hour
    revenue = pd.to_numeric(deal_rows["declared_monthly_revenue"], errors="coerce")
    mangled = deal_rows["average_stock"].isin(list(SPREADSHEET_DATES))
    notes = [leads.summary(), deals.summary()]
    notes += [
        f"deal {row.mql_id} was won {row.won:%Y-%m-%d %H:%M} but its lead's first "
        f"contact is {row.first_contact:%Y-%m-%d}: kept, counted as a sale (and its "
        "contact as a new customer of the rep)"
        for row in early.itertuples()
    ]
    notes += [
        f"{int(lead_rows['campaign'].eq(NO_ORIGIN).sum())} leads have an empty origin: "
        f"campaign {NO_ORIGIN!r} (origin 'unknown' is another, explicit value)",
        f"{int(shifted.sum())} first contacts fall on a midnight that did not exist "
        "(start of summer time, 2017-10-15): read as 01:00 that day",
        f"won_date hours as written: {int(hours.between(4, 9).sum())} from 04:00 "
        f"to 09:59, {int(hours.lt(4).sum())} from 00:00 to 03:59; read in {won_tz}"
        + (" (the gap suggests UTC: try --won-tz UTC)" if won_tz == ACCOUNT_TZ else ""),
        f"declared_monthly_revenue: {int(revenue.eq(0).sum())} of {len(revenue)} are "
        f"0, the largest {revenue.max():,.0f}: a seller's own statement, not a deal "
        "value, so amounts are 0.00",
        f"average_stock: {int(mangled.sum())} ranges turned into dates by a "
        f"spreadsheet ({', '.join(f'{k} = {v}' for k, v in SPREADSHEET_DATES.items())})"
        "; the column is kept as found and not used",
    ]
    return notes


def build(
    folder: str | Path = DEFAULT_FOLDER,
    *,
    won_tz: str = ACCOUNT_TZ,
    on_bad_rows: str = "raise",
) -> OlistFunnel:
    """Read the two funnel files in ``folder`` and check them as one dataset.

    Parameters
    ----------
    folder : str or Path
        The folder holding the leads and closed-deals files.
    won_tz : str, default "America/Sao_Paulo"
        Zone of the ``won_date`` wall-clock times.
    on_bad_rows : {"raise", "reject"}, default "raise"
        Passed to :func:`~poli_analytics.mapping.read_mapped`.

    Raises
    ------
    DataContractError
        A file is missing or breaks the contract.
    """
    folder = Path(folder)
    for name in (LEADS_FILE, DEALS_FILE):
        if not (folder / name).is_file():
            msg = f"{folder / name}: not found; pass the folder that holds {name}"
            raise DataContractError(msg, source=name)
    leads = read_leads(folder / LEADS_FILE, on_bad_rows=on_bad_rows)
    deals = read_deals(folder / DEALS_FILE, won_tz=won_tz, on_bad_rows=on_bad_rows)
    _refuse_orphan_deals(leads, deals)
    lead_rows, deal_rows = leads.frame, deals.frame
    tables = {
        "contacts": leads,
        "operators": _operators(deal_rows),
        "chats": _chats(lead_rows, deal_rows),
        "messages": _messages(lead_rows, deal_rows),
        "opportunities": deals,
        "payments": _payments(deal_rows),
    }
    dataset = dataset_from_mapped(tables, tz=ACCOUNT_TZ)
    return OlistFunnel(
        dataset=dataset,
        leads=leads,
        deals=deals,
        notes=_notes(leads, deals, won_tz=won_tz),
    )


def _rows(report: OperatorReport) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Sales rep": report.operators["operator_name"],
            "Opportunities": report.operators["opportunities"],
            "Sales": report.operators["sales"],
            "New customers": report.operators["new_customers"],
            "Customers": report.operators["customers"],
        }
    ).sort_values(["Sales", "Sales rep"], ascending=[False, True])


def _total(report: OperatorReport, label: str) -> pd.DataFrame:
    totals = report.totals
    return pd.DataFrame(
        {
            "Sales rep": [label],
            "Opportunities": [int(totals["opportunities"])],
            "Sales": [int(totals["sales"])],
            "New customers": [int(totals["new_customers"])],
            "Customers": [int(totals["customers"])],
        }
    )


def rep_table(report: OperatorReport, *, top: int | None = None) -> pd.DataFrame:
    """Opportunities, sales, new customers and customers per rep, TOTAL last."""
    rows = _rows(report)
    if top is not None:
        rows = rows.head(top)
    return pd.concat([rows, _total(report, "TOTAL")], ignore_index=True)


def campaign_table(
    dataset: Dataset, selection: Selection, *, top: int | None = None
) -> pd.DataFrame:
    """``rep_table`` per campaign (biggest campaigns first), one block each."""
    campaigns = dataset.chats["campaign"].dropna().unique().tolist()
    blocks = []
    for campaign in campaigns:
        chosen = Selection(
            start=selection.start, end=selection.end, campaigns=[campaign]
        )
        report = operator_report(dataset, chosen)
        block = rep_table(report, top=top)
        block["Sales rep"] = block["Sales rep"].where(
            block["Sales rep"].ne("TOTAL"), f"all {len(report.operators)} reps"
        )
        blocks.append(block.assign(Campaign=campaign, _sales=report.totals["sales"]))
    table = pd.concat(blocks, ignore_index=True)
    table = table.sort_values(
        ["_sales", "Campaign"], ascending=[False, True], kind="stable"
    )
    return table[["Campaign", *COLUMNS]].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """Print the per-rep report, by campaign, and the data notes; 1 on refused input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--start", help="first local day, YYYY-MM-DD")
    parser.add_argument("--end", help="last local day, YYYY-MM-DD")
    parser.add_argument("--won-tz", default=ACCOUNT_TZ, help="zone of won_date")
    parser.add_argument("--top", type=int, default=5, help="reps shown per campaign")
    args = parser.parse_args(argv)
    try:
        funnel = build(args.folder, won_tz=args.won_tz)
        selection = Selection(start=args.start, end=args.end)
        report = operator_report(funnel.dataset, selection)
        by_campaign = campaign_table(funnel.dataset, selection, top=args.top)
    except PoliAnalyticsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    period = f"{selection.start or 'beginning'} to {selection.end or 'end'}"
    print(f"Olist marketing funnel: sales reps, {period} ({report.tz})")
    print(tabulate(rep_table(report), headers="keys", showindex=False))
    print(f"\nBy campaign (top {args.top} reps of each):")
    print(tabulate(by_campaign, headers="keys", showindex=False))
    print("\nData notes:")
    for note in funnel.notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
