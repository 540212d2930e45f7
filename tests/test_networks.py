"""Networks computed on the hand-made corpus of tests/network_corpus.py.

Every expected matrix is worked out by hand from DNA's definitions, in
github.com/leifeld-lab/dna, dna/src/main/java/dna/export/Exporter.java (the
method named in each test), with rDNA's option names (rDNA/R/dna_network.R).
Rows 发改委, 国资委; columns 就业, 能源 unless said otherwise.
"""

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

from claims import networks
from claims.models import Claim
from claims.networks import Network, Options, Statements, TooManyWindows, dna_network
from tests.conftest import make_user
from tests.network_corpus import ORGS, TOPICS, Corpus, build_corpus


@pytest.fixture
def corpus(db) -> Corpus:
    return build_corpus(make_user("coder"))


def network(django_assert_num_queries, **options) -> Network:
    """The single network for `options`, computed in exactly one query."""
    with django_assert_num_queries(1):
        result = dna_network(Claim.objects.all(), Options(**options))
    assert isinstance(result, list)
    assert len(result) == 1
    return result[0]


def matrix(result: Network) -> list[list[Any]]:
    return [[pytest.approx(value) for value in row] for row in result.matrix.tolist()]


def labels(nodes) -> list[str]:
    return [node.label for node in nodes]


# ----------------------------------------------------------------- two-mode
# Exporter.computeTwoModeMatrix(processedStatements, start, stop)


def test_twomode_ignore_counts_every_statement_neutral_ones_too(corpus, django_assert_num_queries):
    # 发改委: 就业 c5; 能源 c3, c7. 国资委: 就业 c4, c6; 能源 c1, c2, c4. c8 has no topic.
    result = network(django_assert_num_queries)
    assert labels(result.rows) == ORGS
    assert labels(result.columns) == TOPICS
    assert matrix(result) == [[1, 2], [2, 3]]
    assert [node.statements for node in result.rows] == [3, 5]


def test_twomode_subtract_is_support_minus_oppose(corpus, django_assert_num_queries):
    # The boolean branch of "subtract": level 1 adds, level 0 subtracts; c7 (neutral) is dropped.
    result = network(django_assert_num_queries, qualifier_aggregation="subtract")
    assert matrix(result) == [[1, -1], [0, 3]]


def test_twomode_combine_is_the_lexical_rank_of_the_stances_used(corpus, django_assert_num_queries):
    # lexRank over levels (0 oppose, 1 support): 1 support only, 2 oppose only, 3 both.
    result = network(django_assert_num_queries, qualifier_aggregation="combine")
    assert matrix(result) == [[1, 2], [3, 1]]


def test_twomode_activity_divides_each_row_by_its_statements(corpus, django_assert_num_queries):
    result = network(django_assert_num_queries, normalization="activity")
    assert matrix(result) == [[1 / 3, 2 / 3], [2 / 5, 3 / 5]]


def test_twomode_prominence_divides_each_column_by_its_statements(
    corpus, django_assert_num_queries
):
    result = network(django_assert_num_queries, normalization="prominence")
    assert matrix(result) == [[1 / 3, 2 / 5], [2 / 3, 3 / 5]]


def test_twomode_activity_with_subtract_divides_by_all_stanced_statements(
    corpus, django_assert_num_queries
):
    # Denominators from the array over both levels: 发改委 c3, c5 = 2; 国资委 c1 c2 c4 c4 c6 = 5.
    result = network(
        django_assert_num_queries, qualifier_aggregation="subtract", normalization="activity"
    )
    assert matrix(result) == [[0.5, -0.5], [0, 0.6]]


def test_twomode_activity_with_combine_divides_by_non_zero_cells(corpus, django_assert_num_queries):
    result = network(
        django_assert_num_queries, qualifier_aggregation="combine", normalization="activity"
    )
    assert matrix(result) == [[0.5, 1], [1.5, 0.5]]


def test_twomode_with_persons_and_outlets(corpus, django_assert_num_queries):
    # Speakers × outlets: 人民日报 has c1 c2 c3 c6 c7 c8, 新华社 c4 c5; 发改委 speaks in c7.
    result = network(django_assert_num_queries, variable1="speaker", variable2="outlet")
    assert labels(result.rows) == ["发改委", "张", "李", "王"]
    assert labels(result.columns) == ["人民日报", "新华社"]
    assert matrix(result) == [[1, 0], [3, 0], [1, 1], [1, 1]]
    # An organisation speaks for itself.
    assert [node.organization for node in result.rows] == ["发改委", "国资委", "发改委", "国资委"]


def test_edges_carry_the_stances_behind_them(corpus, django_assert_num_queries):
    edges = network(django_assert_num_queries).edges()
    assert {
        key: value
        for key, value in edges[1].items()
        if key in ("source", "target", "weight", "support", "oppose")
    } == {"source": "发改委", "target": "能源", "weight": 2, "support": 0, "oppose": 1}
    assert len(edges) == 4


# ----------------------------------------------------------------- one-mode
# Exporter.computeOneModeMatrix(processedStatements, aggregation, start, stop)
# Levels (oppose, support) per topic, neutral dropped when aggregated:
#   发改委: 就业 (0, 1), 能源 (1, 0);  国资委: 就业 (1, 1), 能源 (0, 3).


def test_onemode_ignore_multiplies_the_topic_counts(corpus, django_assert_num_queries):
    # 就业 1·2 + 能源 2·3 = 8 (neutral c7 counts: the qualifier is ignored).
    result = network(django_assert_num_queries, network_type="onemode")
    assert labels(result.rows) == labels(result.columns) == ORGS
    assert matrix(result) == [[0, 8], [8, 0]]


def test_onemode_congruence_counts_same_stance_pairs(corpus, django_assert_num_queries):
    # 就业: 0·1 + 1·1 = 1; 能源: 1·0 + 0·3 = 0.
    result = network(
        django_assert_num_queries, network_type="onemode", qualifier_aggregation="congruence"
    )
    assert matrix(result) == [[0, 1], [1, 0]]


def test_onemode_conflict_counts_opposite_stance_pairs(corpus, django_assert_num_queries):
    # 就业: 0·1 + 1·1 = 1; 能源: 1·3 + 0·0 = 3.
    result = network(
        django_assert_num_queries, network_type="onemode", qualifier_aggregation="conflict"
    )
    assert matrix(result) == [[0, 4], [4, 0]]


def test_onemode_subtract_is_congruence_minus_conflict(corpus, django_assert_num_queries):
    result = network(
        django_assert_num_queries, network_type="onemode", qualifier_aggregation="subtract"
    )
    assert matrix(result) == [[0, -3], [-3, 0]]


def test_onemode_average_divides_by_the_mean_activity(corpus, django_assert_num_queries):
    # Activity over both levels: 发改委 2, 国资委 5; 1 / ((2 + 5) / 2).
    result = network(
        django_assert_num_queries,
        network_type="onemode",
        qualifier_aggregation="congruence",
        normalization="average",
    )
    assert matrix(result) == [[0, 1 / 3.5], [1 / 3.5, 0]]


def test_onemode_cosine_divides_by_the_product_of_activities_as_dna_does(
    corpus, django_assert_num_queries
):
    # DNA's norm is sqrt(2²)·sqrt(5²) = 10, not the textbook cosine.
    result = network(
        django_assert_num_queries,
        network_type="onemode",
        qualifier_aggregation="congruence",
        normalization="cosine",
    )
    assert matrix(result) == [[0, 0.1], [0.1, 0]]


def test_onemode_jaccard_divides_by_the_union_of_uses(corpus, django_assert_num_queries):
    # Cells (就业 opp, 就业 sup, 能源 opp, 能源 sup): a = (0,1,1,0), b = (1,1,0,3).
    # m10 = 1 (能源 opp), m01 = 1 + 3, m11 = 1·1: 1 / 6.
    result = network(
        django_assert_num_queries,
        network_type="onemode",
        qualifier_aggregation="congruence",
        normalization="jaccard",
    )
    assert matrix(result) == [[0, 1 / 6], [1 / 6, 0]]


def test_onemode_jaccard_with_the_qualifier_ignored_still_compares_stances(
    corpus, django_assert_num_queries
):
    # Levels (oppose, support, neutral) per topic: a = (0,1,0, 1,0,1), b = (1,1,0, 0,3,0).
    # m10 = 0 + 1 + 1 = 2, m01 = 1 + 3 = 4, m11 = 1; 8 / 7.
    result = network(django_assert_num_queries, network_type="onemode", normalization="jaccard")
    assert matrix(result) == [[0, 8 / 7], [8 / 7, 0]]


def test_onemode_of_topics_via_shared_organizations(corpus, django_assert_num_queries):
    result = network(
        django_assert_num_queries, network_type="onemode", variable1="topic", variable2="speaker"
    )
    # 就业: 张 1, 王 1, 李 1; 能源: 张 2, 王 1, 李 1, 发改委 1 → 2 + 1 + 1 = 4.
    assert labels(result.rows) == TOPICS
    assert matrix(result) == [[0, 4], [4, 0]]


# --------------------------------------------------------------- statements
# Exporter.filterStatements()


def test_duplicates_document_counts_a_statement_once_per_document(
    corpus, django_assert_num_queries
):
    # c1 and c2 are the same statement (国资委, 能源) in D1.
    result = network(django_assert_num_queries, duplicates="document")
    assert matrix(result) == [[1, 2], [2, 2]]


def test_duplicates_week_counts_once_per_week(corpus, django_assert_num_queries):
    # 2024-01-10 is in ISO week 2, 2024-01-20 in week 3: 国资委-能源 c1 (c2 dropped), c4.
    result = network(django_assert_num_queries, duplicates="week")
    assert matrix(result) == [[1, 2], [2, 2]]


def test_duplicates_month_counts_once_per_month(corpus, django_assert_num_queries):
    # January: 国资委-能源 once; 发改委-能源 in January (c3) and March (c7).
    result = network(django_assert_num_queries, duplicates="month")
    assert matrix(result) == [[1, 2], [2, 1]]


def test_duplicates_year_and_acrossrange_count_each_pair_once(corpus, django_assert_num_queries):
    assert matrix(network(django_assert_num_queries, duplicates="year")) == [[1, 1], [1, 1]]
    assert matrix(network(django_assert_num_queries, duplicates="acrossrange")) == [
        [1, 1],
        [1, 1],
    ]


def test_duplicates_tell_stances_apart_when_the_qualifier_is_aggregated(
    corpus, django_assert_num_queries
):
    # 国资委-就业: c4 support and c6 oppose stay two statements; subtract 1 - 1 = 0.
    result = network(
        django_assert_num_queries, duplicates="acrossrange", qualifier_aggregation="subtract"
    )
    assert matrix(result) == [[1, -1], [0, 1]]


def test_excluded_values_drop_their_statements(corpus, django_assert_num_queries):
    result = network(django_assert_num_queries, exclude={"organization": ["发改委"]})
    assert labels(result.rows) == ["国资委"]
    assert matrix(result) == [[2, 3]]


def test_isolates_keep_every_node_of_the_unfiltered_statements(corpus, django_assert_num_queries):
    # extractLabels takes the original statements when isolates = TRUE.
    result = network(django_assert_num_queries, exclude={"organization": ["发改委"]}, isolates=True)
    assert labels(result.rows) == ORGS
    assert matrix(result) == [[0, 0], [2, 3]]


def test_start_and_stop_bound_the_dates_inclusively(corpus, django_assert_num_queries):
    result = network(
        django_assert_num_queries,
        start=datetime.date(2024, 1, 20),
        stop=datetime.date(2024, 3, 5),
    )
    # D2 and D3: 发改委 就业 c5, 能源 c7; 国资委 就业 c4 c6, 能源 c4.
    assert matrix(result) == [[1, 1], [2, 1]]


# -------------------------------------------------------------- time windows
# Exporter.computeTimeWindowMatrices(), time units


def test_time_windows_move_a_month_at_a_time_and_stay_inside_the_range(
    corpus, django_assert_num_queries
):
    options = Options(
        time_window="months",
        window_size=3,
        start=datetime.date(2024, 1, 1),
        stop=datetime.date(2024, 4, 30),
    )
    with django_assert_num_queries(1):
        series = dna_network(Claim.objects.all(), options)
    assert isinstance(series, list)
    # Each window reaches round((3 - 1) / 2) = 1 month either side of its time.
    assert [(n.time, n.start, n.stop) for n in series] == [
        (datetime.date(2024, 2, 1), datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)),
        (datetime.date(2024, 3, 1), datetime.date(2024, 2, 1), datetime.date(2024, 4, 1)),
    ]
    assert matrix(series[0]) == [[1, 1], [1, 3]]
    assert matrix(series[1]) == [[0, 1], [1, 0]]
    assert [n.statement_count for n in series] == [6, 2]


def test_time_windows_with_isolates_all_have_the_same_nodes(corpus, django_assert_num_queries):
    options = Options(time_window="days", window_size=1, isolates=True)
    series = dna_network(Claim.objects.all(), options)
    assert isinstance(series, list)
    # One window per day from 2024-01-10 to 2024-03-05.
    assert len(series) == 56
    assert all(labels(n.rows) == ORGS and labels(n.columns) == TOPICS for n in series)
    assert sum(n.statement_count for n in series) == 8


# --------------------------------------------------------------- event list


def test_event_list_has_one_row_per_statement_and_topic(corpus, django_assert_num_queries):
    with django_assert_num_queries(1):
        events = dna_network(Claim.objects.all(), Options(network_type="eventlist"))
    assert isinstance(events, Statements)
    # c4 has two topics, c8 none (kept, with an empty topic): nine rows.
    assert len(events) == 9
    assert events.values["topic"].tolist().count("") == 1
    assert events.extra["annotator"][0] == "coder"


def test_event_list_drops_duplicates_as_dna_does(corpus, django_assert_num_queries):
    events = dna_network(
        Claim.objects.all(), Options(network_type="eventlist", duplicates="document")
    )
    assert isinstance(events, Statements)
    assert len(events) == 8


# --------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"network_type": "bipartite"}, "network_type"),
        ({"variable2": "organization"}, "variable2"),
        ({"qualifier_aggregation": "congruence"}, "qualifier_aggregation"),
        ({"network_type": "onemode", "qualifier_aggregation": "combine"}, "qualifier_aggregation"),
        ({"qualifier": None, "qualifier_aggregation": "subtract"}, "qualifier_aggregation"),
        ({"normalization": "jaccard"}, "normalization"),
        ({"network_type": "onemode", "normalization": "activity"}, "normalization"),
        ({"start": datetime.date(2024, 2, 1), "stop": datetime.date(2024, 1, 1)}, "stop"),
    ],
)
def test_options_that_do_not_fit_together_are_named(options, field):
    assert field in Options(**options).errors()


def test_a_series_longer_than_allowed_is_refused_before_any_window_is_computed(corpus):
    with pytest.raises(TooManyWindows) as refused:
        dna_network(Claim.objects.all(), Options(time_window="days", window_size=1), max_windows=10)
    assert refused.value.count == 10  # counted no further than the bound: 56 in all


def test_a_series_of_millions_of_windows_is_not_enumerated(corpus, monkeypatch):
    options = Options(
        time_window="days",
        window_size=1,
        start=datetime.date(1, 1, 1),
        stop=datetime.date(9999, 12, 31),
    )
    made: list[Any] = []

    def counted(*args: Any) -> Iterator[Any]:
        for window in real_windows(*args):
            made.append(window)
            yield window

    real_windows = networks.windows
    monkeypatch.setattr(networks, "windows", counted)
    with pytest.raises(TooManyWindows):
        dna_network(Claim.objects.all(), options, max_windows=2000)
    assert len(made) == 2001  # one past the bound, of 3.65 million
