"""A small hand-made corpus whose networks the tests work out by hand.

Organisations 国资委 and 发改委; persons 张 and 王 (国资委) and 李 (发改委);
topics 能源 and 就业. Statements with variable1 = organization and variable2 =
topic (a claim is one statement per topic; c8 has no topic, so no statement):

    claim  document (outlet, date)      speaker  organization  topics      stance
    c1     D1 人民日报 2024-01-10       张       国资委        能源        support
    c2     D1                           张       国资委        能源        support
    c3     D1                           李       发改委        能源        oppose
    c4     D2 新华社   2024-01-20       王       国资委        能源, 就业  support
    c5     D2                           李       发改委        就业        support
    c6     D3 人民日报 2024-03-05       张       国资委        就业        oppose
    c7     D3                           发改委   发改委        能源        neutral
    c8     D3                           王       国资委        —           support

Rows sort as 发改委 (U+53D1) < 国资委 (U+56FD), columns as 就业 (U+5C31) < 能源 (U+80FD).
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User

from annotations.models import Document
from claims.models import Attribution, Claim, Speaker, SpeakerKind, Stance, Topic
from tests.conftest import make_claim

ORGS = ["发改委", "国资委"]
TOPICS = ["就业", "能源"]


@dataclass
class Corpus:
    claims: dict[str, Claim]
    documents: dict[str, Document]
    speakers: dict[str, Speaker]


def sentence(name: str) -> str:
    return f"这是第{name}句话，说的是政策。"


def build_corpus(annotator: User) -> Corpus:
    documents = {}
    for name, outlet, day, claim_names in [
        ("D1", "人民日报", datetime.date(2024, 1, 10), ["c1", "c2", "c3"]),
        ("D2", "新华社", datetime.date(2024, 1, 20), ["c4", "c5"]),
        ("D3", "人民日报", datetime.date(2024, 3, 5), ["c6", "c7", "c8"]),
    ]:
        text = f"{name}。" + "".join(sentence(claim) for claim in claim_names)
        document = Document.from_raw(
            text, title=name, language="zh-Hans", outlet=outlet, published_on=day
        )
        document.save()
        documents[name] = document
    speakers = {
        name: Speaker.objects.create(name=name, kind=SpeakerKind.ORGANISATION) for name in ORGS
    }
    for person, organization in [("张", "国资委"), ("王", "国资委"), ("李", "发改委")]:
        speakers[person] = Speaker.objects.create(name=person, organization=speakers[organization])
    topics = {name: Topic.objects.create(name=name) for name in TOPICS}
    rows = [
        ("c1", "D1", "张", ["能源"], Stance.SUPPORT),
        ("c2", "D1", "张", ["能源"], Stance.SUPPORT),
        ("c3", "D1", "李", ["能源"], Stance.OPPOSE),
        ("c4", "D2", "王", ["能源", "就业"], Stance.SUPPORT),
        ("c5", "D2", "李", ["就业"], Stance.SUPPORT),
        ("c6", "D3", "张", ["就业"], Stance.OPPOSE),
        ("c7", "D3", "发改委", ["能源"], Stance.NEUTRAL),
        ("c8", "D3", "王", [], Stance.SUPPORT),
    ]
    claims: dict[str, Claim] = {}
    for name, document_name, speaker, claim_topics, stance in rows:
        claim = make_claim(
            documents[document_name],
            sentence(name),
            annotator,
            attribution=Attribution.REPORTED,
            speaker=speakers[speaker],
            stance=stance,
        )
        claim.topics.set([topics[topic] for topic in claim_topics])
        claims[name] = claim
    return Corpus(claims, documents, speakers)
