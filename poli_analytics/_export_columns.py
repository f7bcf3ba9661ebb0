"""The columns of the detailed export, in both header languages.

One list that the writer and the reader share, so a header is spelled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ExportKind = Literal[
    "record", "date", "datetime", "id", "phone", "text", "seconds", "count",
    "flag", "rating", "money", "opportunity_kind", "zone",
]  # fmt: skip

Lang = Literal["en", "pt-BR"]
LANGS: tuple[Lang, ...] = ("en", "pt-BR")


@dataclass(frozen=True)
class ExportColumn:
    """One export column: internal key, headers, and what it holds."""

    key: str
    en: str
    pt: str
    kind: ExportKind

    def header(self, lang: Lang) -> str:
        """The header in ``lang``."""
        return self.pt if lang == "pt-BR" else self.en


COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("record", "Record Type", "Tipo de Registro", "record"),
    ExportColumn("interaction_date", "Interaction Date", "Data da Interação", "date"),
    ExportColumn("contact_id", "Contact ID", "ID do Contato", "id"),
    ExportColumn("ticket_id", "Service Ticket ID", "ID do Atendimento", "id"),
    ExportColumn("contact_name", "Contact Name", "Nome do Contato", "text"),
    ExportColumn("email", "Email", "E-mail", "text"),
    ExportColumn("phone", "Phone", "Telefone", "phone"),
    ExportColumn(
        "contact_created_at", "Contact Creation Date", "Data de Cadastro do Contato",
        "datetime",
    ),
    ExportColumn(
        "opened_at", "Chat Opening Date", "Data de Abertura do Atendimento", "datetime"
    ),
    ExportColumn("assigned_at", "Assignment Date", "Data de Atribuição", "datetime"),
    ExportColumn(
        "first_response_at", "Operator Response Date", "Data da Resposta do Operador",
        "datetime",
    ),
    ExportColumn(
        "closed_at", "Chat Closing Date", "Data de Encerramento do Atendimento",
        "datetime",
    ),
    ExportColumn("operator_id", "Operator ID", "ID do Operador", "id"),
    ExportColumn("operator_name", "Operator Name", "Nome do Operador", "text"),
    ExportColumn(
        "department", "Chat Department", "Departamento do Atendimento", "text"
    ),
    ExportColumn("channel", "Channel", "Canal", "text"),
    ExportColumn(
        "response_time_s", "Response Time (s)", "Tempo de Resposta (s)", "seconds"
    ),
    ExportColumn(
        "service_time_s", "Service Time (s)", "Tempo de Atendimento (s)", "seconds"
    ),
    ExportColumn("messages", "Messages", "Mensagens", "count"),
    ExportColumn("campaign", "Ad Campaign", "Campanha de Anúncio", "text"),
    ExportColumn("tags", "Tags", "Etiquetas", "text"),
    ExportColumn("rating", "Service Rating", "Avaliação do Atendimento", "rating"),
    ExportColumn("new_customer", "New Customer", "Cliente Novo", "flag"),
    ExportColumn("opportunity_id", "Opportunity ID", "ID da Oportunidade", "id"),
    ExportColumn(
        "opportunity_kind", "Opportunity Type", "Tipo de Oportunidade",
        "opportunity_kind",
    ),
    ExportColumn(
        "opportunity_created_at", "Opportunity Date", "Data da Oportunidade",
        "datetime",
    ),
    ExportColumn(
        "opportunity_amount_cents", "Opportunity Amount", "Valor da Oportunidade",
        "money",
    ),
    ExportColumn("payment_id", "Payment ID", "ID do Pagamento", "id"),
    ExportColumn("sale_at", "Sale Date", "Data da Venda", "datetime"),
    ExportColumn("amount_sold_cents", "Amount Sold", "Valor Vendido", "money"),
    ExportColumn("refund_at", "Refund Date", "Data do Estorno", "datetime"),
    ExportColumn(
        "refunded_amount_cents", "Refunded Amount", "Valor Estornado", "money"
    ),
    ExportColumn("time_zone", "Time Zone", "Fuso Horário", "zone"),
)  # fmt: skip

KEYS = [c.key for c in COLUMNS]
BY_KEY = {c.key: c for c in COLUMNS}

#: Record types, internal value → (English, Portuguese).
RECORDS = {
    "interaction": ("interaction", "interação"),
    "opportunity": ("opportunity", "oportunidade"),
    "sale": ("sale", "venda"),
    "refund": ("refund", "estorno"),
}
#: Opportunity kinds, contract value → (English, Portuguese).
OPPORTUNITY_KINDS = {
    "cart": ("cart", "carrinho"),
    "payment_request": ("payment_request", "cobrança"),
}


def translate(values: dict[str, tuple[str, str]], lang: Lang) -> dict[str, str]:
    """Internal value → label in ``lang``."""
    index = 1 if lang == "pt-BR" else 0
    return {key: labels[index] for key, labels in values.items()}


def untranslate(values: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Label in either language (lower case) → internal value."""
    return {label.lower(): key for key, labels in values.items() for label in labels}
