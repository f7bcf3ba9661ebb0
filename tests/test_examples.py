"""The two recipes in ``examples/``: on small fixtures, and on the real data.

The fixtures in ``tests/fixtures/mapping/twitter`` and ``.../olist`` have the
real files' layout; the reports expected from them were worked out by hand
(see the comments). The real files stay outside the repository (their
licence is non-commercial): they are looked for in ``$POLI_REAL_DATA``, else
in ``../shared/data/real`` beside the repository, and those tests skip when
the files are absent.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from poli_analytics import (
    DanglingReferenceError,
    DataContractError,
    Selection,
    operator_report,
)

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures" / "mapping"
REAL = Path(
    os.environ.get("POLI_REAL_DATA") or REPOSITORY.parent / "shared" / "data" / "real"
)
SP = "America/Sao_Paulo"


def load_recipe(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (the folder is not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, REPOSITORY / "examples" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


twitter = load_recipe("twitter_support")
olist = load_recipe("olist_funnel")


def real_folder(name: str, *files: str) -> Path:
    folder = REAL / name
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        pytest.skip(
            f"real data absent ({folder / missing[0]}): it is not shipped with the "
            "repository (non-commercial licence); see docs/recipes.md"
        )
    return folder


def by_name(report) -> pd.DataFrame:
    return report.operators.set_index("operator_name")


@pytest.fixture(scope="module")
def support():
    """The Twitter fixture, built once (tests only read it)."""
    return twitter.build(FIXTURES / "twitter")


@pytest.fixture(scope="module")
def funnel():
    """The Olist fixture, built once (tests only read it)."""
    return olist.build(FIXTURES / "olist")


# --- Twitter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "agent"),
    [
        ("Sorry to hear that. ^JK", "JK"),
        ("Anytime! -Becky https://t.co/x1", "Becky"),
        ("Thanks. *Liz 1/2", "Liz"),
        ("Back soon ~ Ellen", "Ellen"),
        ("What can we suggest /MT", "MT"),
        ("Please DM us.  = JJ https://t.co/z", "JJ"),
        ("How can we help?\n^HSB", "HSB"),
        ("Team can call you .^sp", "sp"),
        ("see you there!- Anwar", "Anwar"),
        ("send me a dm. -ResolutionSup DC", "ResolutionSup DC"),
        ("Please DM us.", None),
        ("for your well-being", None),
        ("terms and/or", None),
        ("call 1-800", None),
    ],
)
def test_agent_signatures(text, agent):
    found = twitter.signatures(pd.Series([text]))
    assert (None if pd.isna(found[0]) else found[0]) == agent


def test_twitter_fixture_maps_onto_the_contract(support):
    data = support.dataset

    # Tweet 30 is a broadcast (no customer): set aside, with its line.
    rejected = support.tweets.rejected
    assert rejected["tweet_id"].tolist() == ["30"]
    assert rejected["line"].tolist() == [13]  # tweet 22's text spans two lines
    assert len(data.messages) == 12

    chats = data.chats.set_index("ticket_id").sort_index()
    # Thread 10 has two customers: two chats. Tweet 31 answers the broadcast.
    assert chats.index.tolist() == ["10-101", "10-102", "20-103", "30-101", "40-104"]
    assert chats["contact_id"].tolist() == ["101", "102", "103", "101", "104"]
    assert chats["department"].tolist() == [
        "sprintcare",
        "sprintcare",
        "AppleSupport",
        "AppleSupport",  # no reply: the brand the customer mentions
        "sprintcare",
    ]
    assert chats["operator_id"].fillna("").tolist() == [
        "sprintcare/Becky",  # the last to write
        "sprintcare/unsigned",
        "AppleSupport/Liz",
        "",
        "sprintcare/JK",
    ]
    response = (chats["first_response_at"] - chats["opened_at"]).dt.total_seconds()
    # 40-104 starts with the brand's tweet (its parent is outside the file):
    # no customer tweet, so no response time rather than 0 s.
    assert response.fillna(-1).tolist() == [300, 1800, 7200, -1, -1]

    contacts = data.contacts.set_index("contact_id").sort_index()
    assert contacts["created_at"].tolist() == [
        pd.Timestamp("2017-10-30 13:00", tz="UTC"),  # tweet 31, the earliest
        pd.Timestamp("2017-10-31 10:30", tz="UTC"),
        pd.Timestamp("2017-10-31 23:00", tz="UTC"),
        pd.Timestamp("2017-11-02 09:00", tz="UTC"),
    ]
    # The bare carriage returns of tweet 20 are still in its text.
    assert data.messages.set_index("message_id").loc["20", "text"] == (
        "@AppleSupport \r\ripad broken"
    )


def test_twitter_fixture_report(support):
    report = operator_report(support.dataset, Selection())
    rows = by_name(report)

    assert rows.index.tolist() == [
        "Becky (sprintcare)",
        "JK (AppleSupport)",
        "JK (sprintcare)",
        "Liz (AppleSupport)",
        "sprintcare (unsigned)",
    ]
    # JK (sprintcare): 101 on 31 Oct (tweet 11) and 104 on 2 Nov (tweet 40),
    # first to write to both; chats 10-101 (300 s) and 40-104 (none).
    assert rows.loc["JK (sprintcare)", ["interactions", "customers"]].tolist() == [2, 2]
    assert rows.loc["JK (sprintcare)", ["new_customers", "messages_sent"]].tolist() == [
        2,
        2,
    ]
    assert rows.loc["JK (sprintcare)", "median_response_time_s"] == 300
    # Becky wrote to 101 after JK: a customer, not a new one.
    assert rows.loc["Becky (sprintcare)", ["customers", "new_customers"]].tolist() == [
        1,
        0,
    ]
    assert rows.loc["sprintcare (unsigned)", "median_response_time_s"] == 1800
    assert rows.loc["Liz (AppleSupport)", "new_customers"] == 0
    assert rows.loc["JK (AppleSupport)", "mean_response_time_s"] == 7200

    totals = report.totals
    assert (
        int(totals["interactions"]) == 4
    )  # (101,31 Oct) (102,31 Oct) (103,1 Nov) (104,2 Nov)
    assert int(totals["customers"]) == 4
    assert int(totals["new_customers"]) == 4
    assert int(totals["messages_sent"]) == 6
    assert totals["median_response_time_s"] == 1800  # of 300, 1800, 7200
    assert totals["mean_response_time_s"] == 3100


def test_twitter_fixture_agent_table_and_notes(support):
    report = operator_report(support.dataset, Selection())

    table = twitter.agent_table(report, top=2)

    assert table["Agent"].tolist() == ["JK (sprintcare)", "Becky (sprintcare)", "TOTAL"]
    assert table["Interactions"].tolist() == [2, 1, 4]
    assert table["Median resp."].tolist() == ["5m00s", "5m00s", "30m00s"]
    assert support.notes == [
        "twcs_first5000.csv -> messages: 12 rows, 1 set aside: brand broadcast: "
        "answers no customer and mentions none (1)",
        "1 tweet(s) hold bare carriage returns: kept inside their text (a strict CSV "
        "reader splits such a record into broken rows)",
        "5 of 6 brand replies are signed (83%); the rest go to each brand's unsigned "
        "agent",
        "4 reply threads; 1 involve several customers and become one chat per customer",
        "0 thread(s) answered by several brands: the chat is filed under the first "
        "brand to answer, each agent keeps their messages",
        "1 tweet(s) answer a tweet outside the file and 1 a set-aside broadcast: their "
        "thread starts at them",
        "0 tweet(s) dated before 2017 (oldest 2017-10-30) among replies of "
        "Oct-Dec 2017",
    ]


def test_twitter_recipe_prints_its_report(capsys):
    assert twitter.main([str(FIXTURES / "twitter"), "--top", "3"]) == 0

    printed = capsys.readouterr().out
    assert printed.startswith("Customer support on Twitter: 5 agents, busiest 3")
    assert "JK (sprintcare)" in printed
    assert "TOTAL" in printed
    assert "Data notes:" in printed


def test_twitter_recipe_refuses_a_missing_folder(tmp_path, capsys):
    assert twitter.main([str(tmp_path)]) == 1
    assert "twcs_first5000.csv: not found" in capsys.readouterr().err


def test_a_reply_cycle_is_refused(tmp_path):
    (tmp_path / "twcs_first5000.csv").write_text(
        ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,"
        "in_response_to_tweet_id\n"
        "0,1,101,True,Tue Oct 31 10:00:00 +0000 2017,@brand hi,,2.0\n"
        "1,2,brand,False,Tue Oct 31 10:05:00 +0000 2017,@101 hello ^JK,,1.0\n"
    )

    with pytest.raises(
        DataContractError, match=r"in_response_to_tweet_id forms a cycle"
    ):
        twitter.build(tmp_path)


def test_tweets_that_cannot_be_placed_are_set_aside_with_a_reason(tmp_path):
    (tmp_path / "twcs_first5000.csv").write_text(
        ",tweet_id,author_id,inbound,created_at,text,response_tweet_id,"
        "in_response_to_tweet_id\n"
        "0,1,101,True,Tue Oct 31 10:00:00 +0000 2017,@brand hi,2,\n"
        "1,2,brand,False,Tue Oct 31 10:05:00 +0000 2017,@101 hello ^JK,,1.0\n"
        "2,3,101,yes,Tue Oct 31 10:06:00 +0000 2017,@brand thanks,,2.0\n"
        "3,4,101,True,Tue Oct 31 10:07:00 +0000 2017,@brand and,,2.5\n"
        "4,5,101,True,31/10/2017 10:08,@brand also,,2.0\n"
    )

    rejected = twitter.build(tmp_path).tweets.rejected

    assert rejected["tweet_id"].tolist() == ["3", "4", "5"]
    assert rejected["reason"].str.split(";").str[0].tolist() == [
        "inbound is neither True nor False",
        "in_response_to_tweet_id is not a tweet ID",
        "unparsable timestamp",
    ]


def test_twitter_real_data():
    folder = real_folder("customer-support-on-twitter", twitter.FILE_NAME)

    support = twitter.build(folder)
    report = operator_report(support.dataset, Selection())

    # 5,000 records: the bare-CR tweet is one record, not three broken ones.
    assert len(support.dataset.messages) + len(support.tweets.rejected) == 5000
    rejected = support.tweets.rejected
    assert set(rejected["reason"]) == {
        "brand broadcast: answers no customer and mentions none"
    }
    assert len(rejected) == 19
    text = support.dataset.messages.set_index("message_id").loc["3399", "text"]
    assert text.startswith("@AskPayPal \r\rI just love")
    assert int(report.totals["messages_sent"]) == 2203
    becky = by_name(report).loc["Becky (ChipotleTweets)"]
    assert int(becky["messages_sent"]) == 184


# --- Olist ---------------------------------------------------------------------


def test_olist_fixture_maps_onto_the_contract(funnel):
    data = funnel.dataset

    contacts = data.contacts.set_index("contact_id")
    # The hexadecimal ID that looks like a number in scientific notation.
    sci = "401013266745e5661589292315434968"
    assert contacts["created_at"].to_dict() == {
        "aaa1": pd.Timestamp("2018-02-01 00:00", tz=SP),
        # midnight of 2017-10-15 did not exist in São Paulo: 01:00 that day
        sci: pd.Timestamp("2017-10-15 01:00", tz=SP),
        "ccc3": pd.Timestamp("2017-10-20 00:00", tz=SP),
        "ddd4": pd.Timestamp("2018-03-08 00:00", tz=SP),
        "eee5": pd.Timestamp("2018-01-10 00:00", tz=SP),
    }
    chats = data.chats.set_index("ticket_id")
    assert chats["campaign"].to_dict() == {
        "aaa1": "social",
        sci: "paid_search",
        "ccc3": "(no origin)",
        "ddd4": "organic_search",
        "eee5": "social",
    }
    assert chats["operator_id"].fillna("").to_dict() == {
        "aaa1": "rep-a",
        sci: "rep-b",
        "ccc3": "rep-a",
        "ddd4": "rep-b",
        "eee5": "",
    }
    opportunities = data.opportunities.set_index("opportunity_id")
    assert opportunities.loc[sci, "created_at"] == pd.Timestamp(
        "2017-11-05 02:30", tz=SP
    )
    assert opportunities["amount_cents"].tolist() == [0, 0, 0, 0]
    assert data.payments["status"].tolist() == ["paid"] * 4

    early = olist.won_before_first_contact(funnel.leads.frame, funnel.deals.frame)
    assert early["mql_id"].tolist() == ["ddd4"]


def test_olist_fixture_report_whole_history(funnel):
    report = operator_report(funnel.dataset, Selection())

    table = olist.rep_table(report)

    assert table.to_dict("list") == {
        "Sales rep": ["rep rep-a", "rep rep-b", "TOTAL"],
        "Opportunities": [2, 2, 4],
        "Sales": [2, 2, 4],
        "New customers": [2, 2, 4],
        "Customers": [2, 2, 4],
    }


def test_olist_fixture_report_2018_by_campaign(funnel):
    """ccc3 (lead of 2017, won 2018) is a 2018 sale but not a new customer;
    the deal won before its lead's first contact (ddd4) still counts."""
    selection = Selection(start="2018-01-01", end="2018-12-31")

    table = olist.campaign_table(funnel.dataset, selection)

    assert table.to_dict("list") == {
        "Campaign": [
            "(no origin)",
            "(no origin)",
            "organic_search",
            "organic_search",
            "social",
            "social",
            "paid_search",
        ],
        "Sales rep": [
            "rep rep-a",
            "all 1 reps",
            "rep rep-b",
            "all 1 reps",
            "rep rep-a",
            "all 1 reps",
            "all 0 reps",
        ],
        "Opportunities": [1, 1, 1, 1, 1, 1, 0],
        "Sales": [1, 1, 1, 1, 1, 1, 0],
        "New customers": [0, 0, 1, 1, 1, 1, 0],
        "Customers": [1, 1, 1, 1, 1, 1, 0],
    }


def test_olist_fixture_notes(funnel):

    assert funnel.notes == [
        "olist_marketing_qualified_leads_dataset.csv -> contacts: 5 rows, none set "
        "aside",
        "olist_closed_deals_dataset.csv -> opportunities: 4 rows, none set aside",
        "deal ddd4 was won 2018-03-06 19:38 but its lead's first contact is "
        "2018-03-08: kept, counted as a sale (and its contact as a new customer of "
        "the rep)",
        "1 leads have an empty origin: campaign '(no origin)' (origin 'unknown' is "
        "another, explicit value)",
        "1 first contacts fall on a midnight that did not exist (start of summer "
        "time, 2017-10-15): read as 01:00 that day",
        "won_date hours as written: 0 from 04:00 to 09:59, 1 from 00:00 to 03:59; "
        "read in America/Sao_Paulo (the gap suggests UTC: try --won-tz UTC)",
        "declared_monthly_revenue: 2 of 4 are 0, the largest 50,000,000: a seller's "
        "own statement, not a deal value, so amounts are 0.00",
        "average_stock: 2 ranges turned into dates by a spreadsheet (May-20 = 5-20, "
        "01-May = 1-5); the column is kept as found and not used",
    ]


def test_won_dates_can_be_read_as_utc():
    funnel = olist.build(FIXTURES / "olist", won_tz="UTC")

    won = funnel.dataset.opportunities.set_index("opportunity_id")["created_at"]
    # 05-11-2017 02:30 UTC is 00:30 in São Paulo (summer time, UTC-2)
    assert won["401013266745e5661589292315434968"] == pd.Timestamp(
        "2017-11-05 00:30", tz=SP
    )


def test_olist_deal_without_its_lead_names_the_file_line(tmp_path):
    for name in (olist.LEADS_FILE, olist.DEALS_FILE):
        (tmp_path / name).write_bytes((FIXTURES / "olist" / name).read_bytes())
    leads = tmp_path / olist.LEADS_FILE
    leads.write_bytes(
        leads.read_bytes().replace(b"ddd4,08-03-2018", b"ddd5,08-03-2018")
    )

    with pytest.raises(
        DanglingReferenceError,
        match=r"^olist_closed_deals_dataset\.csv, column 'mql_id', line 5: deal of a "
        r"lead absent from olist_marketing_qualified_leads_dataset\.csv \(found "
        r"'ddd4'\)",
    ):
        olist.build(tmp_path)


def test_olist_recipe_prints_its_report(capsys):
    assert olist.main([str(FIXTURES / "olist"), "--top", "1"]) == 0

    printed = capsys.readouterr().out
    assert printed.startswith("Olist marketing funnel: sales reps, beginning to end")
    assert "By campaign (top 1 reps of each):" in printed
    assert "Data notes:" in printed


def test_olist_real_data():
    folder = real_folder("olist-marketing-funnel", olist.LEADS_FILE, olist.DEALS_FILE)

    funnel = olist.build(folder)
    report = operator_report(funnel.dataset, Selection())

    assert len(funnel.dataset.contacts) == 8000
    assert len(report.operators) == 22
    assert int(report.totals["sales"]) == 842
    assert int(report.totals["new_customers"]) == 842
    assert funnel.dataset.chats["campaign"].eq("(no origin)").sum() == 60
    early = olist.won_before_first_contact(funnel.leads.frame, funnel.deals.frame)
    assert early["mql_id"].tolist() == ["b91cf8812365f50ff4bda4bcd6206b05"]
