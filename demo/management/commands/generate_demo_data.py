"""Generate a deterministic, realistic data set of any size for benchmarks: `generate_demo_data`."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import io
import math
import random
import time
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Jurisdiction, Unit, User
from findings.models import Aspect, Petition, Problem, ProblemClue, feedback_due_for
from inspections.models import REPORT_DUE_MONTHS, InspectionRound, add_months
from rectification.models import (
    Extension,
    Measure,
    ProgressReport,
    StatusChange,
    first_rung_on,
    today,
)

PASSWORD = "demo12345"
# A fixed salt keeps the generated rows identical for a seed; these are demo accounts.
PASSWORD_SALT = "generateddemo"
# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact.
CST = datetime.timezone(datetime.timedelta(hours=8))
# Rows buffered before they are written in one transaction (COPY or bulk_create).
FLUSH_ROWS = 50_000
MEASURES_PER_ROUND = 3_333
MEASURES_PER_PROBLEM = 39

CLOSED = Measure.Status.CLOSED
SUBMITTED = Measure.Status.SUBMITTED
IN_PROGRESS = Measure.Status.IN_PROGRESS
NOT_STARTED = Measure.Status.NOT_STARTED
ENDORSING = Measure.Status.ENDORSING
REVIEWING = Measure.Status.REVIEWING
Chain = InspectionRound.Endorsement
Action = StatusChange.Action

PROVINCE = "江南省"
PROVINCIAL_UNITS = [
    "发展和改革委员会", "教育厅", "科学技术厅", "工业和信息化厅", "民族宗教事务委员会", "公安厅",
    "民政厅", "司法厅", "财政厅", "人力资源和社会保障厅", "自然资源厅", "生态环境厅",
    "住房和城乡建设厅", "交通运输厅", "水利厅", "农业农村厅", "商务厅", "文化和旅游厅",
    "卫生健康委员会", "退役军人事务厅", "应急管理厅", "审计厅", "国有资产监督管理委员会",
    "市场监督管理局", "广播电视局", "体育局", "统计局", "医疗保障局", "机关事务管理局", "林业局",
    "粮食和物资储备局", "能源局", "药品监督管理局", "知识产权局", "地方金融管理局", "信访局",
    "大数据管理局", "乡村振兴局", "供销合作社", "交通投资集团有限公司", "能源集团有限公司",
    "建设投资集团有限公司", "农业发展集团有限公司", "文化旅游投资集团有限公司", "水务集团有限公司",
]  # fmt: skip
CITIES = [
    "江城", "临川", "安平", "青阳", "永宁", "长丰", "清河", "云溪",
    "望江", "宁远", "丰城", "瑞安", "南湖", "北川", "东阳", "西华",
]  # fmt: skip
CITY_UNITS = [
    "发展和改革委员会", "教育局", "公安局", "财政局", "人力资源和社会保障局", "自然资源和规划局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "卫生健康委员会", "市场监督管理局", "城市管理局",
]  # fmt: skip
# The counties (县、区) of a city, when --jurisdictions asks for more than the cities.
COUNTY_NAMES = "东西南北中上下新长平"
COUNTY_UNITS = ["农业农村局", "教育局", "住房和城乡建设局", "交通运输局"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
GIVEN = "明丽强敏静伟芳军洋勇艳杰娟涛超霞平刚桂英华建国志红海波宁磊琳斌浩鹏宇婷雪峰"
ORDINALS = "一二三四五六七八九十"
ASPECTS = [
    "贯彻落实党的路线方针政策和上级决策部署方面",
    "落实全面从严治党“两个责任”方面",
    "领导班子和干部队伍建设方面",
    "基层党组织建设方面",
    "落实意识形态工作责任制方面",
    "落实中央八项规定精神方面",
    "巡视巡察和审计反馈问题整改方面",
    "防范化解重大风险方面",
]
PROBLEMS = [
    ("学习贯彻党的创新理论不够深入", "party_leadership"),
    ("贯彻落实上级决策部署有差距", "party_leadership"),
    ("服务高质量发展大局不够有力", "party_leadership"),
    ("重点项目推进不力", "party_leadership"),
    ("落实主体责任不到位", "strict_governance"),
    ("监督责任履行不够有力", "strict_governance"),
    ("重点领域廉政风险防控不到位", "strict_governance"),
    ("落实中央八项规定精神有差距", "strict_governance"),
    ("违规发放津补贴问题仍有发生", "strict_governance"),
    ("选人用人程序不规范", "personnel"),
    ("干部队伍建设统筹谋划不够", "personnel"),
    ("干部人事档案管理不规范", "personnel"),
    ("基层党组织建设薄弱", "party_building"),
    ("“三会一课”制度落实不到位", "party_building"),
    ("党员教育管理不够严格", "party_building"),
    ("意识形态工作责任制落实不到位", "ideology"),
    ("意识形态阵地管理存在薄弱环节", "ideology"),
    ("巡察整改工作推进缓慢", "inspection"),
    ("上轮巡察反馈问题整改不彻底", "inspection"),
    ("内部控制制度执行不严", "other"),
    ("专项资金管理使用不规范", "other"),
    ("政府采购和招投标管理不规范", "other"),
]
VERBS = ["制定", "修订完善", "建立健全", "全面落实", "严格执行", "深入开展", "组织开展", "全面梳理"]
OBJECTS = [
    "党组理论学习中心组学习制度",
    "“第一议题”学习制度",
    "“三重一大”集体决策制度",
    "干部选拔任用工作规程",
    "廉政风险防控机制",
    "公务接待和公车使用管理办法",
    "专项资金使用管理制度",
    "意识形态工作责任制",
    "党支部“三会一课”制度",
    "政府采购内部控制制度",
    "重点项目周调度机制",
    "问题整改销号管理办法",
    "专项检查",
    "警示教育活动",
    "干部人事档案专项审核",
    "违规发放津补贴清理工作",
    "基层党组织标准化规范化建设",
    "谈心谈话和廉政提醒",
]
TAILS = [
    "，每季度至少开展1次专题检查",
    "，形成长效机制",
    "，年底前全部完成",
    "，建立问题清单、任务清单和责任清单",
    "，对发现的问题建立台账、限期整改",
    "，并将执行情况纳入年度考核",
    "，确保整改到位、不留死角",
    "",
]
PROGRESS_TEXTS = [
    "已召开专题会议研究部署，明确责任人和完成时限。",
    "已完成前期摸底排查，正在逐项制定整改措施。",
    "相关制度已起草完成，正在征求意见。",
    "已开展专项检查，发现的问题正在逐项整改。",
    "整改工作按计划推进，已完成阶段性任务。",
    "已印发实施，正在跟踪落实执行情况。",
]
RESULTS = [
    "已修订印发相关制度并组织学习，整改措施全部落实到位。",
    "专项检查已完成，发现问题全部整改销号，建立了长效机制。",
    "已完成清理规范工作，相关责任人已作出深刻检查。",
    "已建立工作台账并落实月度通报，整改成效经检查验收合格。",
]
RETURN_REASONS = ["佐证材料不完整，请补充会议纪要。", "整改成效描述不具体，请补充数据。"]
EXTENSION_REASONS = [
    "涉及多个部门协调，需延长整改时限。",
    "项目建设周期较长，申请延期完成。",
    "需待上级文件出台后同步修订。",
]


def local_moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment in office hours on `day`, in China Standard Time."""
    minutes = rng.randrange(8 * 60 + 30, 18 * 60)
    return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=CST)


def period_of(day: datetime.date) -> str:
    return f"{day.year}-{day.month:02d}-{'H1' if day.day <= 15 else 'H2'}"


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def ordinal(n: int) -> str:
    return ORDINALS[n - 1] if n <= 10 else str(n)


class Writer:
    """Buffers rows per table and writes them in dependency order, COPY on PostgreSQL.

    Every row carries its primary key, so that children can point at parents without
    asking the database, and two runs with one seed write the very same rows.
    """

    def __init__(self, order: list[type[models.Model]]) -> None:
        self.order = order
        self.buffers: dict[type[models.Model], list[dict]] = {model: [] for model in order}
        self.written: dict[type[models.Model], int] = dict.fromkeys(order, 0)
        self.pending = 0
        self.next_ids = {model: self._max_id(model) + 1 for model in order}
        self.copy = connection.vendor == "postgresql"
        self.fields = {model: model._meta.concrete_fields for model in order}
        self.defaults = {model: self._defaults(model) for model in order}

    @staticmethod
    def _max_id(model: type[models.Model]) -> int:
        return model._default_manager.aggregate(top=models.Max("pk"))["top"] or 0

    @staticmethod
    def _defaults(model: type[models.Model]) -> dict:
        # Fields with a callable default (now) or auto_now must be given explicitly.
        return {
            f.attname: f.get_default()
            for f in model._meta.concrete_fields
            if not (f.has_default() and callable(f.default))
            and not getattr(f, "auto_now", False)
            and not getattr(f, "auto_now_add", False)
        }

    def new_id(self, model: type[models.Model]) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] = pk + 1
        return pk

    def add(self, model: type[models.Model], **values) -> int:
        if "id" not in values:
            values["id"] = self.new_id(model)
        self.buffers[model].append(values)
        self.pending += 1
        if self.pending >= FLUSH_ROWS:
            self.flush()
        return values["id"]

    def flush(self) -> None:
        if not self.pending:
            return
        with transaction.atomic():
            for model in self.order:
                rows = self.buffers[model]
                if rows:
                    self._write(model, rows)
                    self.written[model] += len(rows)
                    self.buffers[model] = []
        self.pending = 0

    def _full_row(self, model: type[models.Model], values: dict) -> list:
        defaults = self.defaults[model]
        row = []
        for field in self.fields[model]:
            if field.attname in values:
                row.append(values[field.attname])
            elif field.attname in defaults:
                row.append(defaults[field.attname])
            else:
                raise CommandError(f"{model.__name__}.{field.attname} needs a value")
        return row

    def _write(self, model: type[models.Model], rows: list[dict]) -> None:
        if self.copy:
            self._copy(model, rows)
            return
        with _auto_now_off(model):
            objs = []
            for values in rows:
                full = self._full_row(model, values)
                objs.append(
                    model(**{f.attname: v for f, v in zip(self.fields[model], full, strict=True)})
                )
            model._default_manager.bulk_create(objs, batch_size=500)

    def _copy(self, model: type[models.Model], rows: list[dict]) -> None:
        buffer = io.StringIO()
        write = buffer.write
        for values in rows:
            write("\t".join(_copy_text(v) for v in self._full_row(model, values)))
            write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields[model])
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self.order)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@contextlib.contextmanager
def _auto_now_off(model: type[models.Model]) -> Iterator[None]:
    # bulk_create would stamp created_at/updated_at with the current time, which would
    # make the rows depend on the clock; the generator sets them itself.
    switched = []
    for field in model._meta.concrete_fields:
        for flag in ("auto_now", "auto_now_add"):
            if getattr(field, flag, False):
                setattr(field, flag, False)
                switched.append((field, flag))
    try:
        yield
    finally:
        for field, flag in switched:
            setattr(field, flag, True)


@dataclasses.dataclass
class UnitInfo:
    id: int
    name: str
    children: list[int]
    liaisons: list[int]
    jurisdiction: int = 0


class Generator:
    """Builds the whole data set from one seeded random generator, in a fixed order."""

    def __init__(
        self,
        *,
        measures: int,
        seed: int,
        as_of: datetime.date,
        progress,
        jurisdictions: int | None = None,
    ) -> None:
        self.total = measures
        # A province of cities (and counties beyond the cities): how many jurisdictions in all.
        self.jurisdiction_count = 1 + len(CITIES) if jurisdictions is None else jurisdictions
        self.jurisdiction_parent: dict[int, int | None] = {}
        self.bodies: dict[int, tuple[str, str, str]] = {}
        self.rng = random.Random(seed)
        self.as_of = as_of
        # No conclusion is dated after the real today (a clue's rule), whatever the as-of.
        self.today = min(as_of, timezone.localdate())
        self.progress = progress
        self.writer = Writer(
            [
                Jurisdiction,
                Unit,
                User,
                InspectionRound,
                Aspect,
                Problem,
                ProblemClue,
                Petition,
                Measure,
                Measure.cooperating_units.through,
                Extension,
                ProgressReport,
                StatusChange,
            ]
        )
        self.units: list[UnitInfo] = []
        self.office: list[int] = []
        self.leaders: list[int] = []
        self.heads: dict[int, int] = {}
        # The endorsement chain of the round being written, and its superior.
        self.chain: str = Chain.NONE
        self.superior: int | None = None
        self.done = 0

    def run(self) -> dict[str, int]:
        self._people()
        sizes = self._round_sizes()
        year_counts: dict[tuple[int, str], int] = {}
        for index, size in enumerate(sizes):
            self._round(index, size, year_counts)
        self.writer.flush()
        self.writer.reset_sequences()
        Jurisdiction.objects.refresh_tree()
        self.progress(self.done, self.total)
        return {model._meta.label: n for model, n in self.writer.written.items()}

    # --- units and people ---------------------------------------------------------------

    def _jurisdiction(self, name: str, short: str, level: str, parent: int | None) -> int:
        pk = self.writer.add(
            Jurisdiction, name=name, short_name=short, level=level, parent_id=parent
        )
        self.jurisdiction_parent[pk] = parent
        return pk

    def _below(self, jurisdiction: int) -> set[int]:
        found = {jurisdiction}
        grown = True
        while grown:
            more = {k for k, parent in self.jurisdiction_parent.items() if parent in found}
            grown = not more <= found
            found |= more
        return found

    def _unit(
        self, name: str, short: str, kind: str, parent: int | None, jurisdiction: int
    ) -> UnitInfo:
        w = self.writer
        pk = w.new_id(Unit)
        webhook = ""
        if self.rng.random() < 0.1:
            # .invalid never resolves: a sweep run by hand on this data posts nowhere.
            webhook = f"https://robot.example.invalid/send?key=unit{pk}"
        w.add(
            Unit,
            id=pk,
            name=name,
            short_name=short[:50],
            kind=kind,
            parent_id=parent,
            jurisdiction_id=jurisdiction,
            webhook_url=webhook,
        )
        info = UnitInfo(pk, name, [], [], jurisdiction)
        self.units.append(info)
        if parent is not None:
            next(u for u in self.units if u.id == parent).children.append(pk)
        return info

    def _user(
        self, username: str, role: str, unit: int | None, name: str, jurisdiction: int | None = None
    ) -> int:
        if jurisdiction is None:
            jurisdiction = next(u.jurisdiction for u in self.units if u.id == unit)
        return self.writer.add(
            User,
            password=self.password,
            last_login=None,
            is_superuser=role == User.Role.SYSTEM_ADMIN,
            username=username,
            first_name="",
            last_name="",
            email=f"{username}@example.org",
            is_staff=role == User.Role.SYSTEM_ADMIN,
            is_active=True,
            date_joined=local_moment(self.as_of - datetime.timedelta(days=1200), self.rng),
            role=role,
            unit_id=unit,
            jurisdiction_id=jurisdiction,
            display_name=name,
            must_change_password=False,
            # Generated accounts sign in with the benchmark's password, changed "today".
            password_changed_at=local_moment(self.as_of, self.rng),
            is_demo_account=True,
        )

    def _people(self) -> None:
        self.password = make_password(PASSWORD, salt=PASSWORD_SALT)
        party = Unit.Kind.PARTY_COMMITTEE
        Level = Jurisdiction.Level
        office_name = f"{PROVINCE}委巡视工作领导小组办公室"
        # The province's office, and each city's inspection office below it (以市带县).
        province = self._jurisdiction(office_name, PROVINCE, Level.PROVINCE, None)
        self.province = province
        root = self._unit(f"中共{PROVINCE}委员会", "省委", party, None, province)
        office_unit = self._unit(office_name, "省委巡视办", party, root.id, province)
        for name in PROVINCIAL_UNITS:
            kind = Unit.Kind.STATE_ENTERPRISE if name.endswith("公司") else Unit.Kind.DEPARTMENT
            self._unit(f"{PROVINCE}{name}", name, kind, root.id, province)
        self.bodies[province] = (f"{PROVINCE}委", InspectionRound.Kind.XUNSHI, "巡视")
        self.city_jurisdictions: dict[str, int] = {}
        city_committees: dict[str, int] = {}
        cities = CITIES[: max(0, self.jurisdiction_count - 1)]
        for city in cities:
            office = f"{city}市委巡察工作领导小组办公室"
            jurisdiction = self._jurisdiction(office, f"{city}市", Level.CITY, province)
            self.city_jurisdictions[city] = jurisdiction
            committee = self._unit(
                f"中共{city}市委员会", f"{city}市委", party, root.id, jurisdiction
            )
            city_committees[city] = committee.id
            self.bodies[jurisdiction] = (f"{city}市委", InspectionRound.Kind.XUNCHA, "巡察")
            for name in CITY_UNITS:
                self._unit(
                    f"{city}市{name}", name, Unit.Kind.DEPARTMENT, committee.id, jurisdiction
                )
        # The counties, spread over the cities in turn: each its office, committee, a few
        # departments and an office account (office_j<jurisdiction id>).
        counties: list[tuple[int, int]] = []
        spread = max(1, len(cities))
        for n in range(max(0, self.jurisdiction_count - 1 - len(cities))):
            home = cities[n % spread] if cities else None
            turn = n // spread
            name = f"{home or PROVINCE}{COUNTY_NAMES[turn % 10]}{turn // 10 or ''}县"
            parent = self.city_jurisdictions[home] if home else province
            jurisdiction = self._jurisdiction(
                f"{name}委巡察工作领导小组办公室", name, Level.COUNTY, parent
            )
            self.bodies[jurisdiction] = (f"{name}委", InspectionRound.Kind.XUNCHA, "巡察")
            above = city_committees[home] if home else root.id
            committee = self._unit(f"中共{name}委员会", f"{name}委", party, above, jurisdiction)
            for unit_name in COUNTY_UNITS:
                self._unit(
                    f"{name}{unit_name}", unit_name, Unit.Kind.DEPARTMENT, committee.id,
                    jurisdiction,
                )  # fmt: skip
            counties.append((jurisdiction, committee.id))
        self._user("admin", User.Role.SYSTEM_ADMIN, office_unit.id, "系统管理员")
        for n in range(1, 9):
            name = f"{person_name(self.rng)}（巡视办）"
            self.office.append(self._user(f"office{n}", User.Role.OFFICE, office_unit.id, name))
        for n in range(1, 7):
            name = f"{person_name(self.rng)}（省委）"
            self.leaders.append(self._user(f"leader{n}", User.Role.LEADER, root.id, name))
        # Each city's office: one account of its staff (office_<n>, in the order of CITIES).
        for n, city in enumerate(cities, start=1):
            self._user(
                f"cityoffice{n}", User.Role.OFFICE, city_committees[city], f"{city}市委巡察办"
            )
        for jurisdiction, committee_id in counties:
            self._user(
                f"office_j{jurisdiction}", User.Role.OFFICE, committee_id,
                f"{self.bodies[jurisdiction][0]}巡察办",
            )  # fmt: skip
        # Two liaisons for most units, three for the busiest few, none for the office.
        for index, unit in enumerate(u for u in self.units if u is not office_unit):
            for k in range(3 if index < 10 else 2):
                user_id = self._user(
                    f"liaison{unit.id}_{k + 1}", User.Role.LIAISON, unit.id, person_name(self.rng)
                )
                unit.liaisons.append(user_id)
        # Each unit's head (主要负责人), who endorses where a round asks for it: its first liaison.
        # The units are still in the writer's buffer; the key is checked at the commit.
        heads = {u.id: u.liaisons[0] for u in self.units if u.liaisons}
        for row in self.writer.buffers[Unit]:
            row["head_id"] = heads.get(row["id"])
        self.heads = heads
        self.office_unit = office_unit

    # --- rounds -------------------------------------------------------------------------

    def _round_sizes(self) -> list[int]:
        count = max(1, round(self.total / MEASURES_PER_ROUND))
        weights = [self.rng.lognormvariate(0, 0.5) for _ in range(count)]
        if count > 1:
            # One round three times the average: the large city's round of the ledger test.
            weights[self.rng.randrange(count)] = 3 * sum(weights) / count
        scale = self.total / sum(weights)
        sizes = [max(1, int(w * scale)) for w in weights]
        sizes[sizes.index(max(sizes))] += self.total - sum(sizes)
        return sizes

    def _round(self, index: int, size: int, year_counts: dict) -> None:
        rng, w = self.rng, self.writer
        candidates = [u for u in self.units if u is not self.office_unit and u.id != 1]
        target = rng.choice(candidates)
        feedback = self.as_of - datetime.timedelta(days=rng.randint(20, 900))
        # A unit is inspected by the committee of its jurisdiction: the province's (巡视), a
        # city's or a county's (巡察).
        body, kind, label = self.bodies[target.jurisdiction]
        year_counts[(feedback.year, body)] = year_counts.get((feedback.year, body), 0) + 1
        turn = year_counts[(feedback.year, body)]
        onsite_start = feedback - datetime.timedelta(days=rng.randint(70, 120))
        onsite_end = onsite_start + datetime.timedelta(days=rng.randint(30, 50))
        problems_n = max(1, round(size / MEASURES_PER_PROBLEM))
        created = local_moment(feedback, rng)
        mode = rng.choices(list(InspectionRound.Mode.values), weights=(70, 15, 10, 5))[0]
        # Three rounds in ten ask for the unit head's endorsement, half of those a review too;
        # the first round always does both, so that a small set holds every status as well.
        chain_roll = 0.0 if index == 0 else rng.random()
        self.chain = Chain.NONE
        superior = None
        if chain_roll < 0.15:
            self.chain, superior = Chain.HEAD_AND_SUPERIOR, rng.choice(self.leaders)
        elif chain_roll < 0.3:
            self.chain = Chain.HEAD
        self.superior = superior
        round_id = w.add(
            InspectionRound,
            endorsement=self.chain,
            endorsement_superior_id=superior,
            name=f"{feedback.year}年{body}第{ordinal(turn)}轮{label}·{target.name}",
            kind=kind,
            mode=mode,
            inspecting_body=f"{body}第{ordinal(rng.randint(1, 12))}{label}组",
            jurisdiction_id=target.jurisdiction,
            target_unit_id=target.id,
            onsite_start=onsite_start,
            onsite_end=onsite_end,
            feedback_date=feedback,
            report_due_date=add_months(feedback, REPORT_DUE_MONTHS),
            declared_problems=problems_n,
            declared_measures=size,
            accountability_count=rng.randint(0, 30),
            discipline_count=rng.randint(0, 10),
            organisational_count=rng.randint(0, 15),
            admonition_count=rng.randint(0, 20),
            criticism_count=rng.randint(0, 40),
            rules_established=rng.randint(0, 60),
            funds_recovered=f"{rng.randint(0, 500000) / 100:.2f}",
            losses_retrieved=f"{rng.randint(0, 200000) / 100:.2f}",
            contact="联系电话：0571-88888888；来信地址：省委巡视办。",
            created_at=created,
            updated_at=created,
        )
        # Lead units: the target and its own departments, or a handful of other units of the
        # round's jurisdiction and those below it (a city's joint round takes county units).
        pool = [target.id, *target.children] if target.children else [target.id]
        below = self._below(target.jurisdiction)
        within = [u for u in candidates if u.jurisdiction in below]
        while len(pool) < min(5, len(within)):
            extra = rng.choice(within).id
            if extra not in pool:
                pool.append(extra)
        units_by_id = {u.id: u for u in self.units}
        aspects: list[int] = []
        if rng.random() < 0.9:
            for seq, title in enumerate(rng.sample(ASPECTS, rng.randint(3, 6)), start=1):
                aspects.append(w.add(Aspect, round_id=round_id, seq=seq, title=title))
        for n in range(rng.randint(0, 6)):
            on = feedback + datetime.timedelta(days=rng.randint(0, 30))
            summary = f"反映{person_name(self.rng)}违规插手工程项目问题（线索{n + 1}）"
            subject = person_name(rng)
            disposal = rng.choice(list(ProblemClue.Disposal.values))
            clue_status = rng.choice(list(ProblemClue.Status.values))
            # A conclusion is dated two months after the transfer, never after today.
            concluded_on = on + datetime.timedelta(days=60)
            if clue_status == ProblemClue.Status.CONCLUDED and concluded_on > self.today:
                clue_status = ProblemClue.Status.IN_HANDLING
            concluded = clue_status == ProblemClue.Status.CONCLUDED
            w.add(
                ProblemClue,
                round_id=round_id,
                summary=summary,
                subject=subject,
                transferred_to=f"{body}纪委监委",
                transferred_on=on,
                disposal=disposal,
                status=clue_status,
                outcome="经核查，予以了结" if concluded else "",
                feedback_due=feedback_due_for(on),
                concluded_on=concluded_on if concluded else None,
                created_at=local_moment(on, rng),
            )
        for n in range(rng.randint(0, 10)):
            received = onsite_start + datetime.timedelta(days=rng.randint(0, 30))
            status = rng.choice(list(Petition.Status.values))
            petition_concluded_on = received + datetime.timedelta(days=40)
            if status == Petition.Status.CONCLUDED and petition_concluded_on > self.today:
                status = Petition.Status.IN_HANDLING
            w.add(
                Petition,
                round_id=round_id,
                summary=f"群众来信反映{rng.choice(PROBLEMS)[0]}问题（第{n + 1}件）",
                received_on=received,
                feedback_due=feedback_due_for(received),
                handler_unit_id=rng.choice(pool),
                status=status,
                concluded_on=petition_concluded_on if status == Petition.Status.CONCLUDED else None,
                created_at=local_moment(received, rng),
            )
        # Measures spread over problems: every problem gets at least one.
        per_problem = [1] * problems_n
        for _ in range(size - problems_n):
            per_problem[rng.randrange(problems_n)] += 1
        for seq, count in enumerate(per_problem, start=1):
            title, category = rng.choice(PROBLEMS)
            aspect = aspects[(seq - 1) * len(aspects) // problems_n] if aspects else None
            problem_id = w.add(
                Problem,
                round_id=round_id,
                aspect_id=aspect,
                seq=seq,
                title=title,
                description=f"巡视发现，{title}，具体表现在{rng.choice(OBJECTS)}执行不到位。",
                category=category,
                source=rng.choices(list(Problem.Source.values), weights=(85, 5, 5, 3, 2))[0],
                created_at=created,
            )
            for m_seq in range(1, count + 1):
                self._measure(problem_id, m_seq, feedback, pool, units_by_id)
                self.done += 1
                if self.done % 20_000 == 0:
                    self.progress(self.done, self.total)

    # --- measures and what hangs off them -----------------------------------------------

    def _measure(
        self,
        problem_id: int,
        seq: int,
        feedback: datetime.date,
        pool: list[int],
        units_by_id: dict[int, UnitInfo],
    ) -> None:
        rng, w, as_of = self.rng, self.writer, self.as_of
        day = datetime.timedelta(days=1)
        lead_unit = None if rng.random() < 0.002 else rng.choice(pool)
        liaisons = units_by_id[lead_unit].liaisons if lead_unit else []
        long_term = rng.random() < 0.06
        immediate = not long_term and rng.random() < 0.12
        deadline = None
        if not long_term:
            deadline = feedback + datetime.timedelta(days=30 if immediate else rng.randint(45, 540))
        elapsed = (as_of - feedback).days
        # Most measures past their deadline are signed off; about one in eight is overdue.
        if long_term:
            p_closed = 0.1
        elif deadline is not None and deadline < as_of:
            p_closed = 0.88
        else:
            p_closed = min(0.5, max(0.05, elapsed / 900))
        status: str
        if rng.random() < p_closed:
            status = CLOSED
        else:
            open_roll = rng.random()
            # A chain holds submissions longer: twice as many wait in its rounds.
            if open_roll < (0.2 if self.chain != Chain.NONE else 0.1):
                status = SUBMITTED
            elif open_roll < 0.8:
                status = IN_PROGRESS
            else:
                status = NOT_STARTED if elapsed < 400 or rng.random() < 0.3 else IN_PROGRESS
        actor = rng.choice(liaisons) if liaisons else rng.choice(self.office)
        office = rng.choice(self.office)
        history: list[dict] = []
        # Events end yesterday at the latest, so nothing lies later than "now".
        start_day = min(as_of - day, feedback + datetime.timedelta(days=rng.randint(1, 20)))
        submitted_at = closed_at = None
        endorsed_by = reviewed_by = None
        returned = False
        if status != NOT_STARTED:
            history.append(self._change(NOT_STARTED, IN_PROGRESS, Action.START, actor, start_day))
        if status in (SUBMITTED, CLOSED):
            if status == CLOSED:
                # Four in five on time; the rest late. Never after today.
                if deadline is not None and rng.random() < 0.8:
                    sub_day = deadline - datetime.timedelta(days=rng.randint(0, 30))
                elif deadline is not None:
                    sub_day = deadline + datetime.timedelta(days=rng.randint(1, 60))
                else:
                    sub_day = start_day + datetime.timedelta(days=rng.randint(30, 300))
                sub_day = min(max(sub_day, start_day), as_of - 2 * day)
                sub_day = max(sub_day, start_day)
            else:
                sub_day = max(start_day, as_of - datetime.timedelta(days=rng.randint(1, 20)))
            returned = rng.random() < 0.1 and (sub_day - start_day).days > 6
            if returned:
                first = start_day + datetime.timedelta(days=(sub_day - start_day).days // 3)
                back = first + datetime.timedelta(days=2)
                history.append(self._change(IN_PROGRESS, SUBMITTED, Action.SUBMIT, actor, first))
                history.append(self._change(SUBMITTED, IN_PROGRESS, Action.RETURN, office, back))
                history[-1]["comment"] = rng.choice(RETURN_REASONS)
            chained = (
                status == SUBMITTED
                and self.chain != Chain.NONE
                and lead_unit is not None
                and lead_unit in self.heads
            )
            history.append(
                self._change(
                    IN_PROGRESS, ENDORSING if chained else SUBMITTED, Action.SUBMIT, actor, sub_day
                )
            )
            submitted_at = history[-1]["at"]
            if chained and lead_unit is not None:
                status, endorsed_by, reviewed_by = self._chain_steps(
                    history, lead_unit, sub_day, as_of
                )
            if status == CLOSED:
                close_day = min(as_of - day, sub_day + datetime.timedelta(days=rng.randint(1, 15)))
                history.append(self._change(SUBMITTED, CLOSED, Action.APPROVE, office, close_day))
                closed_at = history[-1]["at"]
                if closed_at <= submitted_at:
                    closed_at = submitted_at + datetime.timedelta(hours=1)
                    history[-1]["at"] = closed_at
        measure_id = w.new_id(Measure)
        extension = None
        if deadline is not None and rng.random() < 0.08:
            extension = self._extension(measure_id, status, deadline, start_day, office, actor)
            if extension["status"] == Extension.Status.APPROVED:
                at = extension["decided_at"]
                state = IN_PROGRESS if status != NOT_STARTED else NOT_STARTED
                change = self._change(state, state, Action.EXTEND, office, at.date())
                change.update(
                    at=at,
                    field="deadline",
                    old_value=extension["old_deadline"].isoformat(),
                    new_value=extension["new_deadline"].isoformat(),
                )
                history.append(change)
                history.sort(key=lambda c: c["at"])
        created = local_moment(feedback, rng)
        updated = max([created, *(c["at"] for c in history)])
        text = rng.choice(VERBS) + rng.choice(OBJECTS) + rng.choice(TAILS)
        w.add(
            Measure,
            id=measure_id,
            problem_id=problem_id,
            seq=seq,
            text=text,
            lead_official=person_name(rng),
            lead_official_user_id=rng.choice(self.leaders) if rng.random() < 0.05 else None,
            lead_unit_id=lead_unit,
            deadline=deadline,
            is_long_term=long_term,
            is_immediate=immediate,
            status=status,
            result_summary=rng.choice(RESULTS) if submitted_at else "",
            submitted_at=submitted_at,
            submitted_by_id=actor if submitted_at else None,
            endorsed_by_id=endorsed_by,
            reviewed_by_id=reviewed_by,
            waiting_since=history[-1]["at"] if status in (ENDORSING, REVIEWING) else None,
            closed_at=closed_at,
            closed_by_id=office if closed_at else None,
            version=1 + len(history),
            next_rung_on=first_rung_on(deadline, status, long_term),
            created_at=created,
            updated_at=updated,
        )
        if lead_unit is not None and rng.random() < 0.25:
            others = [u for u in pool if u != lead_unit]
            for unit_id in rng.sample(others, min(len(others), rng.randint(1, 2))):
                w.add(Measure.cooperating_units.through, measure_id=measure_id, unit_id=unit_id)
        if extension is not None:
            w.add(Extension, **extension)
        for change in history:
            w.add(StatusChange, measure_id=measure_id, **change)
        if status != NOT_STARTED:
            end = (closed_at.date() if closed_at else as_of) - day
            self._progress(measure_id, actor, start_day, end, status == CLOSED)

    def _chain_steps(
        self, history: list[dict], lead_unit: int, sub_day: datetime.date, as_of: datetime.date
    ) -> tuple[str, int | None, int | None]:
        """A submission of a round with an endorsement chain: waiting for the head, for the
        superior, or past both and waiting for the office, a third each."""
        roll = self.rng.random()
        if roll < 1 / 3:
            return ENDORSING, None, None
        head = self.heads[lead_unit]
        step_day = min(as_of - datetime.timedelta(days=1), sub_day + datetime.timedelta(days=1))
        with_review = self.chain == Chain.HEAD_AND_SUPERIOR
        after_endorse = REVIEWING if with_review else SUBMITTED
        history.append(self._change(ENDORSING, after_endorse, Action.ENDORSE, head, step_day))
        history[-1]["at"] = max(history[-1]["at"], history[-2]["at"] + datetime.timedelta(hours=1))
        if not with_review:
            return SUBMITTED, head, None
        if roll < 2 / 3:
            return REVIEWING, head, None
        assert self.superior is not None
        history.append(self._change(REVIEWING, SUBMITTED, Action.REVIEW, self.superior, step_day))
        history[-1]["at"] = history[-2]["at"] + datetime.timedelta(hours=1)
        return SUBMITTED, head, self.superior

    def _change(self, before: str, after: str, action: str, actor: int, on: datetime.date) -> dict:
        return {
            "from_status": before,
            "to_status": after,
            "action": action,
            "actor_id": actor,
            "at": local_moment(on, self.rng),
            "comment": "",
            "field": "",
            "old_value": "",
            "new_value": "",
        }

    def _extension(
        self,
        measure_id: int,
        status: str,
        deadline: datetime.date,
        start_day: datetime.date,
        office: int,
        actor: int,
    ) -> dict:
        rng = self.rng
        roll = rng.random()
        wanted = datetime.timedelta(days=rng.randint(30, 90))
        # Asked before the deadline, decided two days later, both before today.
        asked_on = min(
            self.as_of - datetime.timedelta(days=3),
            max(start_day, deadline - wanted - datetime.timedelta(days=5)),
        )
        requested_at = local_moment(asked_on, rng)
        row: dict[str, Any] = {
            "measure_id": measure_id,
            "requested_by_id": actor,
            "requested_at": requested_at,
            "reason": rng.choice(EXTENSION_REASONS),
            "decided_by_id": None,
            "decided_at": None,
            "decision_comment": "",
        }
        if roll < 0.15 and status != CLOSED:
            row.update(old_deadline=deadline, new_deadline=deadline + wanted, status="pending")
        elif roll < 0.4:
            row.update(
                old_deadline=deadline,
                new_deadline=deadline + wanted,
                status="rejected",
                decided_by_id=office,
                decided_at=requested_at + datetime.timedelta(days=2),
                decision_comment="理由不充分，请按原时限完成。",
            )
        else:
            # Approved: the measure's deadline is the new one, the old one lies before it.
            row.update(
                old_deadline=deadline - wanted,
                new_deadline=deadline,
                status="approved",
                decided_by_id=office,
                decided_at=requested_at + datetime.timedelta(days=2),
            )
        return row

    def _progress(
        self,
        measure_id: int,
        author: int,
        start: datetime.date,
        end: datetime.date,
        closed: bool,
    ) -> None:
        rng = self.rng
        span = (end - start).days
        if span < 1:
            return
        count = min(rng.choice((0, 1, 1, 2, 2, 3, 3, 4, 5)), max(1, span // 15))
        if count == 0:
            return
        offsets = sorted(rng.sample(range(span), count)) if count <= span else [0]
        percent = 0
        for n, offset in enumerate(offsets, start=1):
            on = start + datetime.timedelta(days=offset)
            percent = min(100, percent + rng.randint(10, 40))
            if closed and n == len(offsets):
                percent = max(percent, 90)
            self.writer.add(
                ProgressReport,
                measure_id=measure_id,
                author_id=author,
                period=period_of(on),
                text=rng.choice(PROGRESS_TEXTS),
                percent=percent if rng.random() < 0.8 else None,
                created_at=local_moment(on, rng),
            )


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic, deterministic data set of the given size "
        "(units, people, rounds, problems, measures, extensions, progress reports, history), "
        "for benchmarks. Dates are relative to --as-of (default today). Every account's "
        f"password is {PASSWORD!r}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--measures", type=int, required=True, help="How many measures.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--as-of",
            type=datetime.date.fromisoformat,
            help="The day the data is current on, YYYY-MM-DD (default today).",
        )
        parser.add_argument(
            "--jurisdictions",
            type=int,
            help="Jurisdictions in all: the province, then its cities (up to "
            f"{len(CITIES)}), then counties spread over the cities, each with an office "
            "account office_j<id> (default: the province and its cities).",
        )

    def handle(
        self, *args, measures: int, seed: int, as_of=None, jurisdictions=None, **options
    ) -> None:
        if measures < 1:
            raise CommandError("--measures must be at least 1")
        if jurisdictions is not None and jurisdictions < 1:
            raise CommandError("--jurisdictions must be at least 1")
        if Unit.objects.exists() or InspectionRound.objects.exists():
            raise CommandError(
                "The database already holds units or rounds; generate into an empty one "
                "(manage.py flush, or a new database)."
            )
        started = time.monotonic()
        generator = Generator(
            measures=measures,
            seed=seed,
            as_of=as_of or today(),
            progress=self._progress_bar(started),
            jurisdictions=jurisdictions,
        )
        counts = generator.run()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The rollups' triggers rewrote a problem's or a cell's row once per measure
                # loaded, inside the load's few long transactions, where no dead row can be
                # pruned: 25,000 problem rows took 61 MB at a million measures. Written in
                # small transactions, as the site writes, the rows are pruned as they go.
                # (Not inside a transaction, as a test runs it: VACUUM cannot run there.)
                if not connection.in_atomic_block:
                    cursor.execute(
                        "VACUUM FULL rectification_problemrollup, rectification_measurerollup,"
                        " rectification_closurerollup, rectification_measuredayrollup,"
                        " rectification_problemunitrollup, rectification_monthrollup"
                    )
                # Fresh tables have no planner statistics until autovacuum gets to them.
                cursor.execute("ANALYZE")
        self.stderr.write("")
        elapsed = time.monotonic() - started
        for label, n in counts.items():
            self.stdout.write(f"  {label:<40} {n:>12,}")
        self.stdout.write(f"Generated {measures:,} measures in {elapsed:.1f} s (seed {seed}).")

    def _progress_bar(self, started: float):
        stream = self.stderr

        def show(done: int, total: int) -> None:
            fraction = done / total if total else 1.0
            filled = math.floor(fraction * 30)
            elapsed = time.monotonic() - started
            eta = elapsed / fraction - elapsed if fraction else 0.0
            stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} measures "
                f"{elapsed:6.0f} s, about {eta:.0f} s to go",
                ending="",
            )
            stream.flush()

        return show
