-- The Operator Performance and Sales Report written in DuckDB SQL.
--
-- This is the peer that benchmarks/compare_duckdb.py times poli-analytics
-- against: what an analyst who finds the library slow would write over the
-- same files. It computes every metric of `report_to_dict` with the rules of
-- docs/metrics.md, per operator and for the totals (distinct counts
-- recomputed over everyone, never summed).
--
-- Relations it reads (contract columns, Parquet types: timestamps are
-- TIMESTAMPTZ, amounts DECIMAL(12,2)): contacts, operators, chats, messages,
-- opportunities, payments, and first_operator (the `first_operator` section
-- below, made a view for a cold run and a table for a warm one).
--
-- Variables (SET VARIABLE) it reads:
--   tz                     the account time zone, e.g. 'America/Sao_Paulo'
--   start_day, end_day     DATE or NULL (open side): local days, both inclusive
--   departments, channels, operators, campaigns
--                          VARCHAR[]; an empty list means no filter
--
-- Local days come from DuckDB's ICU extension (`timezone(zone, ...)`), which
-- is built into the duckdb Python wheel: nothing is downloaded.
--
-- The file is split into sections by `-- name: ...` lines; the benchmark runs
-- them by name. In the DuckDB shell, run `macros`, set the variables, run
-- `period`, create `first_operator`, then run `report`.

-- name: macros
-- An instant within the period [period_start, period_end).
CREATE OR REPLACE MACRO in_period(ts) AS
    ts >= getvariable('period_start') AND ts < getvariable('period_end');
-- A filter: an empty list keeps everything; a missing value (an opportunity
-- without a chat) passes only when the filter is not set.
CREATE OR REPLACE MACRO picked(value, wanted) AS
    len(wanted) = 0 OR coalesce(list_contains(wanted, value), false);

-- name: period
-- [start 00:00 local, day after end 00:00 local). ICU moves a midnight that
-- did not exist (start of summer time) to the first instant that did, 01:00.
SET VARIABLE period_start = coalesce(
    timezone(getvariable('tz'), CAST(getvariable('start_day') AS TIMESTAMP)),
    '-infinity'::TIMESTAMPTZ
);
SET VARIABLE period_end = coalesce(
    timezone(getvariable('tz'), CAST(getvariable('end_day') + 1 AS TIMESTAMP)),
    'infinity'::TIMESTAMPTZ
);

-- name: first_operator
-- Each contact's first operator message ever (the whole dataset, before any
-- filter): the earliest sent_at, ties to the smaller message_id in text order.
SELECT
    c.contact_id,
    arg_min(m.operator_id, (m.sent_at, m.message_id)) AS operator_id
FROM messages AS m
JOIN chats AS c ON c.ticket_id = m.ticket_id
WHERE m.sender = 'operator'
GROUP BY c.contact_id;

-- name: report
WITH
-- Operator messages within the period that pass the filters (department,
-- channel and campaign through the chat; operator = the writer).
written AS (
    SELECT
        m.operator_id,
        m.ticket_id,
        c.contact_id,
        CAST(timezone(getvariable('tz'), m.sent_at) AS DATE) AS local_day
    FROM messages AS m
    JOIN chats AS c ON c.ticket_id = m.ticket_id
    WHERE m.sender = 'operator'
        AND in_period(m.sent_at)
        AND picked(c.department, getvariable('departments'))
        AND picked(c.channel, getvariable('channels'))
        AND picked(c.campaign, getvariable('campaigns'))
        AND picked(m.operator_id, getvariable('operators'))
),
-- Opportunities created within the period (operator = the creator).
created AS (
    SELECT o.opportunity_id, o.operator_id
    FROM opportunities AS o
    LEFT JOIN chats AS c ON c.ticket_id = o.ticket_id
    WHERE in_period(o.created_at)
        AND picked(c.department, getvariable('departments'))
        AND picked(c.channel, getvariable('channels'))
        AND picked(c.campaign, getvariable('campaigns'))
        AND picked(o.operator_id, getvariable('operators'))
),
-- Payments within the period, whenever their opportunity was created,
-- credited to the opportunity's creator and filtered through its chat.
settled AS (
    SELECT o.operator_id, p.opportunity_id, p.status, p.amount
    FROM payments AS p
    JOIN opportunities AS o ON o.opportunity_id = p.opportunity_id
    LEFT JOIN chats AS c ON c.ticket_id = o.ticket_id
    WHERE in_period(p.occurred_at)
        AND picked(c.department, getvariable('departments'))
        AND picked(c.channel, getvariable('channels'))
        AND picked(c.campaign, getvariable('campaigns'))
        AND picked(o.operator_id, getvariable('operators'))
),
-- GROUPING SETS ((operator_id), ()) gives each operator and the totals row
-- (operator_id NULL) in one pass, distinct counts recomputed for the total.
message_counts AS (
    SELECT
        operator_id,
        count(DISTINCT (contact_id, local_day)) AS interactions,
        count(DISTINCT contact_id) AS customers,
        count(*) AS messages_sent
    FROM written
    GROUP BY GROUPING SETS ((operator_id), ())
),
new_counts AS (
    SELECT s.operator_id, count(DISTINCT s.contact_id) AS new_customers
    FROM (SELECT DISTINCT operator_id, contact_id FROM written) AS s
    JOIN first_operator AS f
        ON f.contact_id = s.contact_id AND f.operator_id = s.operator_id
    JOIN contacts AS k ON k.contact_id = s.contact_id
    WHERE in_period(k.created_at)
    GROUP BY GROUPING SETS ((s.operator_id), ())
),
opportunity_counts AS (
    SELECT operator_id, count(*) AS opportunities
    FROM created
    GROUP BY GROUPING SETS ((operator_id), ())
),
payment_counts AS (
    SELECT
        operator_id,
        count(DISTINCT opportunity_id) FILTER (WHERE status = 'paid') AS sales,
        sum(amount) FILTER (WHERE status = 'paid') AS amount_sold,
        count(*) FILTER (WHERE status = 'refunded') AS refunds,
        sum(amount) FILTER (WHERE status = 'refunded') AS refunded_amount
    FROM settled
    GROUP BY GROUPING SETS ((operator_id), ())
),
-- Per chat: response and service time from assignment (or opening), rating.
chat_times AS (
    SELECT
        ticket_id,
        (epoch_us(first_response_at) - epoch_us(coalesce(assigned_at, opened_at)))
            / 1e6 AS response_s,
        (epoch_us(closed_at) - epoch_us(coalesce(assigned_at, opened_at)))
            / 1e6 AS service_s,
        rating
    FROM chats
),
-- Over the distinct chats each operator wrote in; for the totals, over the
-- distinct chats anyone wrote in (a chat two operators wrote in counts once).
chat_stats AS (
    SELECT
        s.operator_id,
        median(t.response_s) AS median_response_time_s,
        avg(t.response_s) AS mean_response_time_s,
        avg(t.service_s) AS mean_service_time_s,
        avg(t.rating) AS mean_rating
    FROM (SELECT DISTINCT operator_id, ticket_id FROM written) AS s
    JOIN chat_times AS t ON t.ticket_id = s.ticket_id
    GROUP BY s.operator_id
    UNION ALL
    SELECT
        NULL AS operator_id,
        median(t.response_s),
        avg(t.response_s),
        avg(t.service_s),
        avg(t.rating)
    FROM (SELECT DISTINCT ticket_id FROM written) AS s
    JOIN chat_times AS t ON t.ticket_id = s.ticket_id
),
-- An operator is listed with any interaction, opportunity, sale or refund;
-- the NULL key is the totals row.
listed AS (
    SELECT operator_id FROM written
    UNION
    SELECT operator_id FROM created
    UNION
    SELECT operator_id FROM settled
    UNION ALL
    SELECT NULL
),
counted AS (
    SELECT
        g.operator_id,
        op.name AS operator_name,
        coalesce(mc.interactions, 0) AS interactions,
        coalesce(mc.customers, 0) AS customers,
        coalesce(nc.new_customers, 0) AS new_customers,
        coalesce(oc.opportunities, 0) AS opportunities,
        coalesce(pc.sales, 0) AS sales,
        CAST(coalesce(pc.amount_sold, 0) * 100 AS BIGINT) AS amount_sold_cents,
        coalesce(pc.refunds, 0) AS refunds,
        CAST(coalesce(pc.refunded_amount, 0) * 100 AS BIGINT)
            AS refunded_amount_cents,
        coalesce(mc.messages_sent, 0) AS messages_sent,
        cs.median_response_time_s,
        cs.mean_response_time_s,
        cs.mean_service_time_s,
        cs.mean_rating
    FROM listed AS g
    LEFT JOIN operators AS op ON op.operator_id = g.operator_id
    LEFT JOIN message_counts AS mc ON mc.operator_id IS NOT DISTINCT FROM g.operator_id
    LEFT JOIN new_counts AS nc ON nc.operator_id IS NOT DISTINCT FROM g.operator_id
    LEFT JOIN opportunity_counts AS oc
        ON oc.operator_id IS NOT DISTINCT FROM g.operator_id
    LEFT JOIN payment_counts AS pc ON pc.operator_id IS NOT DISTINCT FROM g.operator_id
    LEFT JOIN chat_stats AS cs ON cs.operator_id IS NOT DISTINCT FROM g.operator_id
)
SELECT
    operator_id,
    operator_name,
    interactions,
    customers,
    new_customers,
    opportunities,
    sales,
    amount_sold_cents,
    refunds,
    refunded_amount_cents,
    messages_sent,
    CASE WHEN opportunities > 0 THEN sales / opportunities END AS conversion,
    -- amount / sales rounded half up to the centavo
    CASE
        WHEN sales > 0 THEN (2 * amount_sold_cents + sales) // (2 * sales)
    END AS average_ticket_cents,
    median_response_time_s,
    mean_response_time_s,
    mean_service_time_s,
    mean_rating
FROM counted
ORDER BY operator_id IS NULL, operator_name, operator_id;

-- name: export_csv
-- The `sheets` CSV profile of the detailed export, written by DuckDB from the
-- export rows already in memory (table export_rows, the typed columns of
-- poli_analytics.export_frame, as Parquet types). The same cells as the
-- library's writer: local wall-clock times without offset, money with two
-- decimals, IDs and phones as ="007", formula-like text neutralised with an
-- apostrophe, empty cells for missing values, CRLF line ends. `{path}` is
-- replaced by the output file.
COPY (
    SELECT
        nullif(record, '') AS "Record Type",
        strftime(interaction_date, '%Y-%m-%d') AS "Interaction Date",
        '="' || contact_id || '"' AS "Contact ID",
        '="' || ticket_id || '"' AS "Service Ticket ID",
        nullif(neutralised(contact_name), '') AS "Contact Name",
        nullif(neutralised(email), '') AS "Email",
        '="' || phone || '"' AS "Phone",
        local_text(contact_created_at) AS "Contact Creation Date",
        local_text(opened_at) AS "Chat Opening Date",
        local_text(assigned_at) AS "Assignment Date",
        local_text(first_response_at) AS "Operator Response Date",
        local_text(closed_at) AS "Chat Closing Date",
        '="' || operator_id || '"' AS "Operator ID",
        nullif(neutralised(operator_name), '') AS "Operator Name",
        nullif(neutralised(department), '') AS "Chat Department",
        nullif(neutralised(channel), '') AS "Channel",
        response_time_s AS "Response Time (s)",
        service_time_s AS "Service Time (s)",
        messages AS "Messages",
        nullif(neutralised(campaign), '') AS "Ad Campaign",
        nullif(neutralised(tags), '') AS "Tags",
        rating AS "Service Rating",
        new_customer AS "New Customer",
        '="' || opportunity_id || '"' AS "Opportunity ID",
        nullif(opportunity_kind, '') AS "Opportunity Type",
        local_text(opportunity_created_at) AS "Opportunity Date",
        money_text(opportunity_amount_cents) AS "Opportunity Amount",
        '="' || payment_id || '"' AS "Payment ID",
        local_text(sale_at) AS "Sale Date",
        money_text(amount_sold_cents) AS "Amount Sold",
        local_text(refund_at) AS "Refund Date",
        money_text(refunded_amount_cents) AS "Refunded Amount",
        nullif(time_zone, '') AS "Time Zone"
    FROM export_rows
) TO '{path}' (FORMAT csv, HEADER, DELIMITER ',', QUOTE '"', NEW_LINE E'\r\n');

-- name: export_macros
CREATE OR REPLACE MACRO local_text(ts) AS
    strftime(timezone(getvariable('tz'), ts), '%Y-%m-%d %H:%M:%S');
CREATE OR REPLACE MACRO money_text(cents) AS
    CAST(cents // 100 AS VARCHAR) || '.' || lpad(CAST(cents % 100 AS VARCHAR), 2, '0');
-- A cell a spreadsheet would run as a formula gets an apostrophe; a plain
-- signed number such as -5 runs nothing and is left alone.
CREATE OR REPLACE MACRO neutralised(text) AS
    CASE
        WHEN regexp_matches(text, '^[=+\-@\t\r]')
            AND NOT regexp_matches(text, '^[+-]?[0-9]+(?:[.,][0-9]+)?$')
        THEN '''' || text
        ELSE text
    END;
