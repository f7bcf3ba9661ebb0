"""Recipe: customer support on Twitter mapped onto the contract, and its report.

Reads ``twcs_first5000.csv`` (the first 5,000 rows of Thought Vector's
"Customer Support on Twitter" export; not part of this repository, see
``docs/recipes.md``) and reports, per support agent, interactions, customers
and response times.

How the export becomes the contract:

- brand accounts (``AppleSupport``, ``ChipotleTweets``...) -> departments;
- agents -> operators: a brand reply signed ``^JK``, ``-Becky``, ``*AFC``,
  ``~Debs``, ``/MJ`` or ``= JJ`` belongs to that agent of that brand
  (``ChipotleTweets/Becky``); an unsigned reply to the brand's unknown agent
  (``ChipotleTweets/unsigned``);
- customers (anonymised numeric handles) -> contacts, created at their first
  tweet in the file (the export has no account dates);
- reply threads -> chats: a thread is followed up ``in_response_to_tweet_id``
  to its first tweet in the file; a thread in which several customers take
  part becomes one chat per customer;
- inbound tweets -> contact messages, brand tweets -> operator messages.
  A brand tweet that answers and mentions no customer (a marketing
  broadcast) belongs to no chat: it is set aside with that reason.

Run from the repository root::

    python examples/twitter_support.py [FOLDER] [--tz UTC] [--top 25]

FOLDER defaults to ``../shared/data/real/customer-support-on-twitter``
relative to the repository.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from poli_analytics import (
    DataContractError,
    Dataset,
    OperatorReport,
    PoliAnalyticsError,
    Selection,
    operator_report,
)
from poli_analytics.mapping import MappedTable, dataset_from_mapped, read_mapped

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = (
    REPOSITORY.parent / "shared" / "data" / "real" / "customer-support-on-twitter"
)
FILE_NAME = "twcs_first5000.csv"
#: ``Tue Oct 31 22:10:47 +0000 2017``
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
UNSIGNED = "unsigned"
UNKNOWN_BRAND = "(unknown brand)"

# An agent's signature at the end of a brand reply, once trailing links and
# "1/2"-style part counters are removed: a mark (^ * ~ / - -- =) then initials
# or a first name, possibly a second short word ("-ResolutionSup DC").
_SIGNATURE = (
    r"(?:^|[\s.!?:;,)])(?:\^|\*|~|/|--?|=)\s?"
    r"(?P<agent>[A-Za-z][A-Za-z]{0,19}(?: [A-Z]{1,3})?)\.?$"
)
_TRAILER = r"(?:\s*(?:https?://\S+|\(?\d/\d\)?))+\s*$"


@dataclass(frozen=True)
class TwitterSupport:
    """The export as a checked dataset, with what was learnt on the way.

    Attributes
    ----------
    dataset : Dataset
        The six contract tables (no opportunities, no payments).
    tweets : MappedTable
        The tweets mapped onto ``messages``, with the rows set aside.
    notes : list of str
        Facts about the data worth printing beside the report.
    """

    dataset: Dataset
    tweets: MappedTable
    notes: list[str]


def signatures(text: pd.Series) -> pd.Series:
    """The agent signature ending each brand reply, or missing.

    >>> signatures(pd.Series(["Sorry! ^JK", "DM us -Becky https://t.co/x",
    ...                       "Hi. *AFC 1/2", "Try again.", "and/or"]))
    0       JK
    1    Becky
    2      AFC
    3      NaN
    4      NaN
    Name: agent, dtype: str
    """
    body = text.astype("str").str.replace(_TRAILER, "", regex=True).str.rstrip()
    return body.str.extract(_SIGNATURE)["agent"]


def _parents(raw: pd.DataFrame) -> pd.Series:
    """``in_response_to_tweet_id`` as tweet IDs: ``3.0`` -> ``3``.

    The Kaggle file stores it as a float column (it has gaps), hence ``.0``.
    """
    return raw["in_response_to_tweet_id"].str.replace(r"\.0+$", "", regex=True)


def _by_tweet(raw: pd.DataFrame, column: str) -> pd.Series:
    return raw.drop_duplicates("tweet_id").set_index("tweet_id")[column]


def _outbound(raw: pd.DataFrame) -> pd.Series:
    return raw["inbound"].eq("False")


def _customers(raw: pd.DataFrame) -> pd.Series:
    """The customer each tweet belongs to.

    Inbound: its author. A brand reply: the first numeric handle it mentions,
    or else the author of the customer tweet it answers; missing for a
    broadcast.
    """
    parent = _parents(raw)
    parent_author = parent.map(_by_tweet(raw, "author_id"))
    answers_customer = parent.map(_by_tweet(raw, "inbound")).eq("True")
    mentioned = raw["text"].str.extract(r"@(?P<handle>\d+)\b")["handle"]
    addressed = mentioned.fillna(parent_author.where(answers_customer))
    return raw["author_id"].where(~_outbound(raw), addressed)


def _brands(raw: pd.DataFrame) -> pd.Series:
    """The brand of each tweet: the author of a reply, the first brand mentioned
    by a customer (missing when none)."""
    mentioned = raw["text"].str.extract(r"@(?P<brand>[A-Za-z_]\w*)")["brand"]
    return raw["author_id"].where(_outbound(raw), mentioned)


def _agents(raw: pd.DataFrame) -> pd.Series:
    """``brand/signature`` for brand replies (``brand/unsigned`` when unsigned)."""
    agent = signatures(raw["text"]).fillna(UNSIGNED)
    return (raw["author_id"] + "/" + agent).where(_outbound(raw))


def _thread_roots(raw: pd.DataFrame) -> pd.Series:
    """The first tweet in the file of each tweet's reply thread.

    Follows ``in_response_to_tweet_id`` while the parent is in the file,
    by pointer doubling (each pass doubles the distance covered).
    """
    ids = raw["tweet_id"]
    parent = _parents(raw)
    first_step = pd.Series(parent.where(parent.isin(ids), ids).to_numpy(), index=ids)
    first_step = first_step[~first_step.index.duplicated()]
    step = first_step
    for _ in range(64):
        further = step.map(step)
        if further.equals(step):
            break
        step = further
    # A root answers nothing in the file; a cycle has no such tweet (and an
    # even cycle would otherwise settle on one of its own tweets).
    is_root = step.map(first_step).eq(step)
    if not is_root.all():
        looping = is_root.index[~is_root.to_numpy()][:5].tolist()
        msg = (
            f"{FILE_NAME}: in_response_to_tweet_id forms a cycle (through tweets "
            f"{', '.join(looping)}); expected each thread to start somewhere"
        )
        raise DataContractError(msg, source=FILE_NAME, column="in_response_to_tweet_id")
    return ids.map(step)


def _tickets(raw: pd.DataFrame) -> pd.Series:
    """One chat per (thread, customer): ``<first tweet>-<customer>``."""
    return _thread_roots(raw) + "-" + _customers(raw)


def read_tweets(path: Path) -> MappedTable:
    """Map the tweets onto ``messages``; broadcasts and malformed rows set aside."""
    return read_mapped(
        path,
        "messages",
        {
            "message_id": "tweet_id",
            "ticket_id": _tickets,
            "sent_at": "created_at",
            "sender": lambda raw: raw["inbound"].map(
                {"True": "contact", "False": "operator"}
            ),
            "operator_id": _agents,
        },
        extras={
            "customer_id": _customers,
            "brand": _brands,
            "author_id": "author_id",
            "in_response_to": _parents,
            "text": "text",
        },
        exclude={
            "inbound is neither True nor False": lambda raw: (
                ~raw["inbound"].isin(["True", "False"])
            ),
            "in_response_to_tweet_id is not a tweet ID": lambda raw: (
                _parents(raw).notna() & ~_parents(raw).str.fullmatch(r"\d+")
            ),
            "brand broadcast: answers no customer and mentions none": lambda raw: (
                _outbound(raw) & _customers(raw).isna()
            ),
        },
        date_format=TWITTER_TIME,
        tz="UTC",
        on_bad_rows="reject",
    )


def _first(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per ticket, ``column`` of its earliest message (ties: smaller message ID)."""
    ordered = frame.sort_values(["ticket_id", "sent_at", "message_id"])
    return ordered.drop_duplicates("ticket_id").set_index("ticket_id")[column]


def _chats(messages: pd.DataFrame) -> pd.DataFrame:
    """One chat per ticket, opened at the customer's first tweet in it."""
    inbound = messages["sender"].eq("contact")
    replies = messages[~inbound]
    first_any = messages.groupby("ticket_id")["sent_at"].min()
    first_inbound = messages[inbound].groupby("ticket_id")["sent_at"].min()
    opened = first_inbound.reindex(first_any.index).fillna(first_any)

    # A response answers a customer: a chat without a customer tweet has none.
    asked = replies["ticket_id"].map(first_inbound)
    answered = replies[replies["sent_at"].ge(asked).fillna(False)]
    first_response = answered.groupby("ticket_id")["sent_at"].min()
    latest = replies.sort_values(["ticket_id", "sent_at", "message_id"])
    holder = latest.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
    department = _first(replies, "brand").reindex(opened.index)
    department = department.fillna(_first(messages.dropna(subset="brand"), "brand"))

    tickets = opened.index
    empty = pd.Series(pd.NA, index=tickets, dtype="str")
    return pd.DataFrame(
        {
            "ticket_id": tickets,
            "contact_id": _first(messages, "customer_id").reindex(tickets),
            "operator_id": holder["operator_id"].reindex(tickets),
            "department": department.fillna(UNKNOWN_BRAND),
            "channel": "twitter",
            "campaign": empty,
            "opened_at": opened,
            "assigned_at": pd.Series(pd.NaT, index=tickets, dtype=opened.dtype),
            "first_response_at": first_response.reindex(tickets),
            "closed_at": pd.Series(pd.NaT, index=tickets, dtype=opened.dtype),
            "rating": empty,
            "tags": empty,
        }
    ).reset_index(drop=True)


def _contacts(messages: pd.DataFrame) -> pd.DataFrame:
    """Customers, created at their first tweet in the file."""
    created = messages.groupby("customer_id")["sent_at"].min()
    empty = pd.Series(pd.NA, index=created.index, dtype="str")
    return pd.DataFrame(
        {
            "contact_id": created.index,
            "name": empty,
            "email": empty,
            "phone": empty,
            "created_at": created,
        }
    ).reset_index(drop=True)


def _operators(messages: pd.DataFrame) -> pd.DataFrame:
    """``Becky (ChipotleTweets)``; ``ChipotleTweets (unsigned)``."""
    ids = messages["operator_id"].dropna().drop_duplicates().sort_values()
    brand, agent = ids.str.split("/", n=1).str[0], ids.str.split("/", n=1).str[1]
    name = (agent + " (" + brand + ")").where(agent.ne(UNSIGNED), brand + " (unsigned)")
    return pd.DataFrame({"operator_id": ids, "name": name}).reset_index(drop=True)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="str") for name in columns})


def _notes(tweets: MappedTable, messages: pd.DataFrame) -> list[str]:
    replies = messages[messages["sender"].eq("operator")]
    signed = ~replies["operator_id"].str.endswith("/" + UNSIGNED)
    roots = messages["ticket_id"].str.split("-", n=1).str[0]
    customers_per_thread = messages.groupby(roots)["customer_id"].nunique()
    brands_per_thread = replies.groupby(roots[replies.index])["brand"].nunique()
    set_aside = tweets.rejected["tweet_id"] if "tweet_id" in tweets.rejected else []
    parent = messages["in_response_to"]
    outside = parent.notna() & ~parent.isin(messages["message_id"])
    to_set_aside = outside & parent.isin(set_aside)
    old = messages["sent_at"].dt.year.lt(2017)
    bare_cr = messages["text"].str.contains("\r", regex=False)
    return [
        tweets.summary(),
        f"{int(bare_cr.sum())} tweet(s) "
        "hold bare carriage returns: kept inside their text (a strict CSV reader "
        "splits such a record into broken rows)",
        f"{int(signed.sum())} of {len(replies)} brand replies are signed "
        f"({signed.mean():.0%}); the rest go to each brand's unsigned agent",
        f"{len(customers_per_thread)} reply threads; "
        f"{int(customers_per_thread.gt(1).sum())} involve several customers and "
        "become one chat per customer",
        f"{int(brands_per_thread.gt(1).sum())} thread(s) answered by several brands: "
        "the chat is filed under the first brand to answer, each agent keeps "
        "their messages",
        f"{int((outside & ~to_set_aside).sum())} tweet(s) answer a tweet outside "
        f"the file and {int(to_set_aside.sum())} a set-aside broadcast: their "
        "thread starts at them",
        f"{int(old.sum())} tweet(s) dated before 2017 (oldest "
        f"{messages['sent_at'].min():%Y-%m-%d}) among replies of Oct-Dec 2017",
    ]


def build(folder: str | Path = DEFAULT_FOLDER, *, tz: str = "UTC") -> TwitterSupport:
    """Read the export in ``folder`` and check it as a contract dataset.

    Parameters
    ----------
    folder : str or Path
        The folder holding ``twcs_first5000.csv``.
    tz : str, default "UTC"
        Account time zone in which days are counted (tweets are UTC).

    Raises
    ------
    DataContractError
        The file is missing or breaks the contract in a way that cannot be
        set aside.
    """
    path = Path(folder) / FILE_NAME
    if not path.is_file():
        msg = f"{path}: not found; pass the folder that holds {FILE_NAME}"
        raise DataContractError(msg, source=FILE_NAME)
    tweets = read_tweets(path)
    messages = tweets.frame
    tables = {
        "contacts": _contacts(messages),
        "operators": _operators(messages),
        "chats": _chats(messages),
        "messages": tweets,
        "opportunities": _empty(
            [
                "opportunity_id",
                "kind",
                "ticket_id",
                "contact_id",
                "operator_id",
                "created_at",
                "amount",
            ]
        ),
        "payments": _empty(
            ["payment_id", "opportunity_id", "status", "occurred_at", "amount"]
        ),
    }
    dataset = dataset_from_mapped(tables, tz=tz)
    return TwitterSupport(
        dataset=dataset, tweets=tweets, notes=_notes(tweets, messages)
    )


def _duration(seconds: float) -> str:
    """``3725`` -> ``1h02m``; ``125`` -> ``2m05s``; missing -> ``""``."""
    if pd.isna(seconds):
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def agent_table(report: OperatorReport, *, top: int | None = None) -> pd.DataFrame:
    """Interactions, customers, response times per agent; busiest first, TOTAL last."""
    rows = report.operators.sort_values(
        ["interactions", "operator_name"], ascending=[False, True]
    )
    if top is not None:
        rows = rows.head(top)
    totals = report.totals.to_frame().T.assign(operator_name="TOTAL")
    frame = pd.concat([rows, totals], ignore_index=True)
    return pd.DataFrame(
        {
            "Agent": frame["operator_name"],
            "Interactions": frame["interactions"].astype("int64"),
            "Customers": frame["customers"].astype("int64"),
            "New": frame["new_customers"].astype("int64"),
            "Messages": frame["messages_sent"].astype("int64"),
            "Median resp.": frame["median_response_time_s"].map(_duration),
            "Mean resp.": frame["mean_response_time_s"].map(_duration),
        }
    )


def main(argv: list[str] | None = None) -> int:
    """Print the per-agent report and the data notes; 1 on refused input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(DEFAULT_FOLDER))
    parser.add_argument("--tz", default="UTC", help="account time zone (days)")
    parser.add_argument("--top", type=int, default=25, help="agents shown")
    args = parser.parse_args(argv)
    try:
        support = build(args.folder, tz=args.tz)
        report = operator_report(support.dataset, Selection())
    except PoliAnalyticsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    agents = len(report.operators)
    print(
        f"Customer support on Twitter: {agents} agents, busiest {min(args.top, agents)}"
        f" by interactions (days in {report.tz})"
    )
    table = agent_table(report, top=args.top)
    print(
        tabulate(
            table,
            headers="keys",
            showindex=False,
            disable_numparse=True,
            colalign=("left",) + ("right",) * (table.shape[1] - 1),
        )
    )
    print("\nData notes:")
    for note in support.notes:
        print(f"- {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
