"""factory_boy factories for the tracker's models."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from accounts.models import Unit, User
from findings.models import Aspect, Petition, Problem, ProblemClue
from inspections.models import InspectionRound
from rectification.models import Measure


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"单位{n}")
    short_name = factory.LazyAttribute(lambda o: o.name[:8])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.gov.cn")
    role = User.Role.OFFICE
    password = factory.PostGenerationMethodCall("set_password", "pass-12345")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionRound

    name = factory.Sequence(lambda n: f"第{n}轮巡察")
    inspecting_body = "区委第一巡察组"
    target_unit = factory.SubFactory(UnitFactory)
    feedback_date = datetime.date(2026, 6, 20)


class AspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Aspect

    round = factory.SubFactory(RoundFactory)
    seq = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"方面{n}")


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    round = factory.SubFactory(RoundFactory)
    seq = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"问题{n}")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    problem = factory.SubFactory(ProblemFactory)
    seq = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"整改措施{n}")
    lead_unit = factory.SubFactory(UnitFactory)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class ClueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProblemClue

    round = factory.SubFactory(RoundFactory)
    summary = "反映某干部违规收受礼金"
    transferred_to = "区纪委监委"
    transferred_on = datetime.date(2026, 7, 1)


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    round = factory.SubFactory(RoundFactory)
    summary = "反映某项目拖欠工程款"
    received_on = datetime.date(2026, 7, 2)
