"""Networks and event lists written out: JSON, GraphML, CSV, and DNA's event list.

GraphML is what Gephi and visone open (one <graph> per time window, node and
edge attributes declared as <key>s); the CSV edge and node lists have one row
per edge or node and a window column, so a series stays one file; the event
list has the columns of DNA's own CSV export (Exporter.eventCSV), separated by
semicolons as DNA writes them, so scripts written for DNA read it unchanged.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from claims.networks import VARIABLES, Network, Node, Statements


def graph_nodes(network: Network) -> list[tuple[str, Node]]:
    """(GraphML id, node): one-mode nodes once; two-mode rows then columns."""
    if network.network_type == "onemode":
        return [(node.label, node) for node in network.rows]
    return [(f"r:{node.label}", node) for node in network.rows] + [
        (f"c:{node.label}", node) for node in network.columns
    ]


def graphml(series: Sequence[Network]) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    for key, domain, kind in [
        ("label", "node", "string"),
        ("variable", "node", "string"),
        ("statements", "node", "int"),
        ("organization", "node", "string"),
        ("weight", "edge", "double"),
    ]:
        yield f'  <key id="{key}" for="{domain}" attr.name="{key}" attr.type="{kind}"/>\n'
    for index, network in enumerate(series):
        yield (
            f'  <graph id="window{index}" edgedefault="undirected"'
            f" start={attr(str(network.start or ''))}"
            f" stop={attr(str(network.stop or ''))}>\n"
        )
        ids = graph_nodes(network)
        for node_id, node in ids:
            yield f"    <node id={attr(node_id)}>\n"
            yield f'      <data key="label">{escape(node.label)}</data>\n'
            yield f'      <data key="variable">{escape(node.variable)}</data>\n'
            yield f'      <data key="statements">{node.statements}</data>\n'
            if node.variable == "speaker":
                yield f'      <data key="organization">{escape(node.organization)}</data>\n'
            yield "    </node>\n"
        source_prefix = "" if network.network_type == "onemode" else "r:"
        target_prefix = "" if network.network_type == "onemode" else "c:"
        for edge in network.edges():
            yield (
                f"    <edge source={attr(source_prefix + edge['source'])}"
                f" target={attr(target_prefix + edge['target'])}>"
                f'<data key="weight">{edge["weight"]}</data></edge>\n'
            )
        yield "  </graph>\n"
    yield "</graphml>\n"


# Characters XML 1.0 cannot hold at all, even escaped: C0 controls other than tab,
# newline and carriage return, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def attr(text: str) -> str:
    """An attribute value, quoted; a character XML cannot hold becomes U+FFFD."""
    return quoteattr(NOT_XML.sub("\ufffd", text))


def escape(text: str) -> str:
    """Element text: attr's escaping without its surrounding quotes."""
    return attr(text)[1:-1]


# Texts starting with these would run as a formula in a spreadsheet (OWASP: CSV
# injection); quoted with ' here and in the claim export (claims/exports.py).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def rows_to_csv(header: list[str], rows: Iterator[list[Any]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def edges_csv(series: Sequence[Network]) -> str:
    def rows() -> Iterator[list[Any]]:
        for network in series:
            for edge in network.edges():
                yield [
                    network.start or "",
                    network.stop or "",
                    edge["source"],
                    edge["target"],
                    edge["weight"],
                    edge.get("support", ""),
                    edge.get("oppose", ""),
                    edge.get("other", ""),
                ]

    header = ["window_start", "window_stop", "source", "target", "weight"]
    return rows_to_csv([*header, "support", "oppose", "other"], rows())


def nodes_csv(series: Sequence[Network]) -> str:
    def rows() -> Iterator[list[Any]]:
        for network in series:
            for mode, nodes in [("row", network.rows), ("column", network.columns)]:
                if mode == "column" and network.network_type == "onemode":
                    continue
                for node in nodes:
                    yield [
                        network.start or "",
                        network.stop or "",
                        mode,
                        node.label,
                        node.variable,
                        node.statements,
                        node.organization,
                    ]

    header = ["window_start", "window_stop", "mode", "label", "variable", "statements"]
    return rows_to_csv([*header, "organization"], rows())


# ---------------------------------------------------------------- event list


def events(statements: Statements) -> Iterator[dict[str, Any]]:
    """One record per statement (Exporter.eventCSV's columns, claimtrack's variables).

    `agreement` is DNA's boolean: 1 support, 0 oppose, empty otherwise.
    Offsets count code points of the document text, as everywhere in claimtrack.
    """
    for i in range(len(statements)):
        date = statements.date[i]
        stance = str(statements.stance[i])
        yield {
            "statement_id": int(statements.claim[i]),
            "time": None if str(date) == "NaT" else date.astype(datetime.date).isoformat(),
            **{name: str(statements.values[name][i]) for name in VARIABLES},
            "stance": stance,
            "agreement": {"support": 1, "oppose": 0}.get(stance),
            "start_position": int(statements.start_offset[i]),
            "stop_position": statements.extra["end_offset"][i],
            "text": statements.extra["quote"][i],
            "coder": statements.extra["annotator"][i],
            "document_id": int(statements.document[i]),
            "document_title": statements.extra["document_title"][i],
        }


def events_csv(statements: Statements) -> str:
    """DNA's event list CSV: semicolons, every text in double quotes (Exporter.eventCSV).

    DNA replaces ; with , and " with ' inside texts; csv quoting keeps them instead.
    """
    records = list(events(statements))
    header = list(records[0]) if records else ["statement_id", "time", *VARIABLES]
    return rows_to_csv(
        header,
        ([("" if value is None else value) for value in record.values()] for record in records),
        delimiter=";",
    )


def as_json(series: Sequence[Network], windowed: bool) -> dict[str, Any]:
    if windowed:
        return {"series": [network.as_dict() for network in series]}
    return series[0].as_dict()
