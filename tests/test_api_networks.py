"""GET /api/v1/networks/ through the whole Django stack, on tests/network_corpus.py.

The expected matrices are those of tests/test_networks.py (worked out there
from DNA's Exporter.java); here: parameters, formats, filters, permissions.
"""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from rest_framework.test import APIClient

from claims.models import Speaker
from tests.api_support import _fresh_throttles, mallory, reader  # noqa: F401
from tests.conftest import alice, make_user, rachel  # noqa: F401
from tests.network_corpus import ORGS, TOPICS, Corpus, build_corpus

URL = "/api/v1/networks/"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def parse(graphml: bytes) -> ET.Element:
    # Our own server's answer in a test, not untrusted input.
    return ET.fromstring(graphml)  # noqa: S314


@pytest.fixture
def corpus(db) -> Corpus:
    return build_corpus(make_user("coder"))


@pytest.fixture
def api(reader) -> APIClient:
    client = APIClient()
    client.force_login(reader)
    return client


def test_a_two_mode_network_has_rows_columns_matrix_and_edges(api, corpus):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["label"] for row in body["rows"]] == ORGS
    assert [column["label"] for column in body["columns"]] == TOPICS
    assert body["rows"][0] == {"label": "发改委", "variable": "organization", "statements": 3}
    assert body["matrix"] == [[1, 2], [2, 3]]
    assert {(e["source"], e["target"], e["weight"]) for e in body["edges"]} == {
        ("发改委", "就业", 1),
        ("发改委", "能源", 2),
        ("国资委", "就业", 2),
        ("国资委", "能源", 3),
    }


def test_the_options_have_rdna_names(api, corpus):
    response = api.get(
        URL,
        {
            "network_type": "onemode",
            "variable1": "organization",
            "variable2": "topic",
            "qualifier": "stance",
            "qualifier_aggregation": "congruence",
            "normalization": "average",
            "duplicates": "include",
            "isolates": "false",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["matrix"] == [[0, pytest.approx(1 / 3.5)], [pytest.approx(1 / 3.5), 0]]


def test_every_claim_filter_applies(api, corpus):
    # Only D2 (新华社): 发改委 就业 c5; 国资委 就业 c4, 能源 c4.
    body = api.get(URL, {"outlet": "新华社"}).json()
    assert body["matrix"] == [[1, 0], [1, 1]]
    body = api.get(URL, {"stance": ["oppose"], "published_before": "2024-01-31"}).json()
    assert body["matrix"] == [[1]]
    assert [row["label"] for row in body["rows"]] == ["发改委"]


def test_exclude_is_repeatable_per_variable(api, corpus):
    body = api.get(URL, {"exclude_organization": ["发改委"], "exclude_topic": ["就业"]}).json()
    assert body["matrix"] == [[3]]
    body = api.get(URL, {"exclude_organization": "发改委", "isolates": "true"}).json()
    assert body["matrix"] == [[0, 0], [2, 3]]


def test_time_windows_answer_a_series(api, corpus):
    response = api.get(
        URL,
        {"time_window": "months", "window_size": 3, "start": "2024-01-01", "stop": "2024-04-30"},
    )
    series = response.json()["series"]
    assert [(n["time"], n["start"], n["stop"]) for n in series] == [
        ("2024-02-01", "2024-01-01", "2024-03-01"),
        ("2024-03-01", "2024-02-01", "2024-04-01"),
    ]
    assert [n["matrix"] for n in series] == [[[1, 1], [1, 3]], [[0, 1], [1, 0]]]


def test_graphml_opens_as_a_graph_with_weights(api, corpus):
    response = api.get(URL, {"format": "graphml"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/graphml+xml")
    root = parse(response.content)
    graph = root.find(f"{GRAPHML}graph")
    assert graph is not None
    ids = [node.get("id") for node in graph.findall(f"{GRAPHML}node")]
    assert ids == ["r:发改委", "r:国资委", "c:就业", "c:能源"]
    weights = {
        (edge.get("source"), edge.get("target")): edge.findtext(f"{GRAPHML}data")
        for edge in graph.findall(f"{GRAPHML}edge")
    }
    assert weights[("r:国资委", "c:能源")] == "3"


def test_graphml_escapes_labels(api, corpus):
    Speaker.objects.filter(name="国资委").update(name='国资委 <"&>')
    root = parse(api.get(URL, {"format": "graphml"}).content)
    labels = [data.text for data in root.iter(f"{GRAPHML}data") if data.get("key") == "label"]
    assert '国资委 <"&>' in labels


def test_csv_edge_and_node_lists(api, corpus):
    edges = list(csv.DictReader(io.StringIO(api.get(URL, {"format": "csv"}).content.decode())))
    assert [(e["source"], e["target"], e["weight"]) for e in edges] == [
        ("发改委", "就业", "1"),
        ("发改委", "能源", "2"),
        ("国资委", "就业", "2"),
        ("国资委", "能源", "3"),
    ]
    assert (edges[1]["support"], edges[1]["oppose"], edges[1]["other"]) == ("0", "1", "1")
    response = api.get(URL, {"format": "nodes_csv"})
    nodes = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(n["mode"], n["label"], n["statements"]) for n in nodes] == [
        ("row", "发改委", "3"),
        ("row", "国资委", "5"),
        ("column", "就业", "3"),
        ("column", "能源", "5"),
    ]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(api, corpus):
    Speaker.objects.filter(name="国资委").update(name='=HYPERLINK("http://evil")')
    params = [{"format": "csv"}, {"format": "nodes_csv"}, {"network_type": "eventlist"}]
    for extra in params:
        response = api.get(URL, {**extra, "format": extra.get("format", "csv")})
        assert response.status_code == 200, response.content
        delimiter = ";" if "network_type" in extra else ","
        rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=delimiter))
        cells = [cell for row in rows for cell in row]
        assert '\'=HYPERLINK("http://evil")' in cells, extra
        assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))], extra


def test_graphml_stays_xml_when_a_label_holds_a_control_character(api, corpus):
    Speaker.objects.filter(name="国资委").update(name="国资\x01委")
    response = api.get(URL, {"format": "graphml", "variable1": "organization"})
    assert response.status_code == 200, response.content
    root = parse(response.content)  # raises on a character XML cannot hold
    labels = [element.text for element in root.iter(f"{GRAPHML}data")]
    assert "国资\ufffd委" in labels


def test_the_event_list_has_dna_columns_in_json_and_csv(api, corpus):
    events = api.get(URL, {"network_type": "eventlist"}).json()["events"]
    assert len(events) == 9
    first = events[0]
    claim = corpus.claims["c1"]
    assert first["statement_id"] == claim.pk
    assert first["time"] == "2024-01-10"
    assert (first["speaker"], first["organization"], first["topic"]) == ("张", "国资委", "能源")
    assert (first["agreement"], first["start_position"], first["stop_position"]) == (
        1,
        claim.start,
        claim.end,
    )
    assert first["text"] == claim.quote
    response = api.get(URL, {"network_type": "eventlist", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][:3] == ["statement_id", "time", "speaker"]
    assert len(rows) == 10


def test_the_claims_behind_an_edge_come_with_their_passages(api, corpus):
    response = api.get(URL + "edge/", {"source": "发改委", "target": "能源"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(c["statement_id"] for c in body["claims"]) == sorted(
        [corpus.claims["c3"].pk, corpus.claims["c7"].pk]
    )
    assert body["claims"][0]["text"] == corpus.claims["c3"].quote
    # One-mode: either organisation's claims about a topic both speak of (就业 and 能源).
    body = api.get(
        URL + "edge/", {"network_type": "onemode", "source": "发改委", "target": "国资委"}
    ).json()
    assert body["count"] == 8


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"network_type": "bipartite"}, "network_type"),
        ({"variable1": "person"}, "variable1"),
        ({"variable2": "organization"}, "variable2"),
        ({"qualifier_aggregation": "congruence"}, "qualifier_aggregation"),
        ({"normalization": "cosine"}, "normalization"),
        ({"duplicates": "daily"}, "duplicates"),
        ({"isolates": "perhaps"}, "isolates"),
        ({"start": "2024-13-01"}, "start"),
        ({"start": "2024-03-01", "stop": "2024-01-01"}, "stop"),
        ({"time_window": "decades"}, "time_window"),
        ({"time_window": "days", "window_size": "0"}, "window_size"),
        ({"time_window": "days", "start": "1900-01-01", "stop": "2099-12-31"}, "time_window"),
        ({"format": "xlsx"}, "format"),
        ({"exclude_person": "张"}, "exclude_person"),
        ({"published_after": "yesterday"}, "published"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api, corpus, query, field):
    response = api.get(URL, query)
    assert response.status_code == 400, response.content
    assert any(key.startswith(field) for key in response.json()), response.json()


def test_an_edge_needs_its_source_and_target(api, corpus):
    response = api.get(URL + "edge/", {"source": "发改委"})
    assert response.status_code == 400
    assert "target" in response.json()


def test_only_roles_that_read_claims_see_networks(db, mallory, alice, rachel):
    assert APIClient().get(URL).status_code == 401
    assert APIClient().get(URL + "edge/?source=a&target=b").status_code == 401
    denied = APIClient()
    denied.force_login(mallory)
    assert denied.get(URL).status_code == 403
    assert denied.get(URL + "edge/?source=a&target=b").status_code == 403
    for user in (alice, rachel, make_user("root", is_superuser=True)):
        client = APIClient()
        client.force_login(user)
        assert client.get(URL).status_code == 200


def test_a_network_takes_one_query_for_its_claims(api, corpus, django_assert_num_queries):
    # 1 session, 2 user, 3 her own and her groups' permissions, 4 the claims'
    # statements (one row per claim and topic, speaker and organisation joined).
    with django_assert_num_queries(4):
        response = api.get(URL, {"network_type": "onemode", "outlet": "人民日报"})
    assert response.status_code == 200
    with django_assert_num_queries(4):
        response = api.get(URL, {"time_window": "days", "window_size": 7})
    assert len(response.json()["series"]) == 50


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"time_window": "days", "start": "0001-01-01", "stop": "0001-03-01"}, 200),
        ({"time_window": "days", "start": "9999-12-01", "stop": "9999-12-31"}, 200),
        ({"time_window": "years", "window_size": "10000"}, 200),
        ({"time_window": "months", "start": "9999-01-01", "stop": "9999-12-31"}, 200),
    ],
)
def test_windows_reaching_past_the_calendar_are_no_500(api, corpus, params, status):
    response = api.get(URL, params)
    assert response.status_code == status, response.content


@pytest.mark.parametrize("aggregation", ["ignore", "congruence", "subtract"])
def test_a_one_mode_network_of_no_claims_is_empty_not_a_500(api, corpus, aggregation):
    params = {"network_type": "onemode", "outlet": "无此媒体", "qualifier_aggregation": aggregation}
    response = api.get(URL, params)
    assert response.status_code == 200, response.content
    assert response.json()["matrix"] == []
