"""Load a realistic demo: units, one account per role, a round with its findings and measures,
and the supervision of it: a supervision group with its visits, urge notices at several levels,
a finished look-back, a published evaluation and a red-and-black list, a comment thread
on a measure in which the office mentions the unit's liaison, who answers, and a round with
an endorsement chain (head and superior) whose submission waits for the head (head_a).

Running it again changes nothing that is already there. A management command may compose
across the layers, so it writes the supervision part through rectification's services.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Jurisdiction, Unit, User
from accounts.permissions import ADMINISTRATOR_ROLES
from findings.models import Aspect, Petition, Problem, ProblemClue, feedback_due_for
from inspections.models import InspectionRound, RoundReport
from rectification import comments, services
from rectification.models import Measure, MeasureComment, StatusChange
from supervision import evaluation, lookback, urges
from supervision import groups as supervision
from supervision.models import LookBackItem, SupervisionGroup

DEMO_PASSWORD = "demo12345"
# The smallest file every PDF reader opens: the demo submission's evidence.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

OFFICE_UNIT = "区委巡察工作领导小组办公室"
TARGET_UNIT = "区住房和城乡建设局"
SUB_UNITS = [
    ("局办公室", "办公室", "liaison_a", "李明"),
    ("建筑市场监管科", "市场科", "liaison_b", "赵丽"),
    ("城建档案馆", "档案馆", "liaison_c", "孙强"),
    ("房屋征收管理中心", "征收中心", "liaison_d", "周敏"),
]
ACCOUNTS = [
    # The three separated administrators (三员分立); none of them is a superuser.
    ("admin", "系统管理员", User.Role.SYSTEM_ADMIN, OFFICE_UNIT),
    ("secadmin", "安全管理员", User.Role.SECURITY_ADMIN, OFFICE_UNIT),
    ("auditadmin", "审计管理员", User.Role.AUDIT_ADMIN, OFFICE_UNIT),
    ("office", "陈静（巡察办）", User.Role.OFFICE, OFFICE_UNIT),
    ("office2", "刘洋（巡察办）", User.Role.OFFICE, OFFICE_UNIT),
    ("leader", "王书记（区委）", User.Role.LEADER, OFFICE_UNIT),
    ("head", "吴建国（局长）", User.Role.LEADER, TARGET_UNIT),
    # The head of 局办公室, who endorses its submissions in the round with a chain.
    ("head_a", "张华（局办公室主任）", User.Role.LIAISON, "局办公室"),
    ("inspector", "王刚（整改督查组）", User.Role.SUPERVISOR, None),
]
# Those who open the admin site: the three administrators, and office staff for its lists.
STAFF_ROLES = (
    User.Role.SYSTEM_ADMIN,
    User.Role.SECURITY_ADMIN,
    User.Role.AUDIT_ADMIN,
    User.Role.OFFICE,
)
GROUP_NAME = "区委巡察整改第一督查组"


ROUND_NAME = "2026年区委第一轮巡察·区住房和城乡建设局"
CHAIN_ROUND_NAME = "2026年区委第二轮巡察·区住房和城乡建设局（签字背书）"

# (aspect, [(problem title, category, [(text, lead unit, cooperating, days to deadline or None
#   for long-term, final status, immediate)])])
S, P, SUB, C = "not_started", "in_progress", "submitted", "closed"
DemoMeasure = tuple[str, str, list[str], int | None, str, bool]
FINDINGS: list[tuple[str, list[tuple[str, str, list[DemoMeasure]]]]] = [
    (
        "贯彻落实党的路线方针政策和上级决策部署方面",
        [
            (
                "学习贯彻党的创新理论不够深入",
                "party_leadership",
                [
                    (
                        "制定党组理论学习中心组年度学习计划，每月至少开展1次专题学习",
                        "局办公室",
                        [],
                        -40,
                        C,
                        False,
                    ),
                    ("开展“以学促干”专题研讨，形成调研成果不少于3篇", "局办公室", [], 5, P, False),
                ],
            ),
            (
                "保障性住房建设推进不力",
                "party_leadership",
                [
                    (
                        "建立保障性住房项目周调度机制，倒排工期、挂图作战",
                        "房屋征收管理中心",
                        [],
                        -20,
                        P,
                        False,
                    ),
                    (
                        "对逾期未交付项目逐一约谈建设单位，督促按期交付",
                        "房屋征收管理中心",
                        ["建筑市场监管科"],
                        10,
                        SUB,
                        False,
                    ),
                ],
            ),
        ],
    ),
    (
        "落实全面从严治党“两个责任”方面",
        [
            (
                "工程建设领域廉政风险防控不到位",
                "strict_governance",
                [
                    (
                        "梳理工程招投标、质量监督等环节廉政风险点，制定防控措施",
                        "建筑市场监管科",
                        [],
                        -30,
                        C,
                        False,
                    ),
                    (
                        "开展工程建设领域专项检查，对发现问题建立台账限期整改",
                        "建筑市场监管科",
                        ["局办公室"],
                        15,
                        S,
                        False,
                    ),
                    ("健全工程建设领域廉政风险防控长效机制", "建筑市场监管科", [], None, P, False),
                ],
            ),
            (
                "落实中央八项规定精神有差距",
                "strict_governance",
                [
                    ("清理规范公务接待和公车使用，建立月度通报制度", "局办公室", [], -50, C, False),
                    ("对违规发放津补贴问题全面清退", "局办公室", ["城建档案馆"], -8, P, False),
                ],
            ),
        ],
    ),
    (
        "领导班子和干部队伍建设方面",
        [
            (
                "选人用人程序不规范",
                "personnel",
                [
                    (
                        "对近三年干部选拔任用档案全面核查，补齐缺失材料",
                        "城建档案馆",
                        [],
                        -25,
                        C,
                        False,
                    ),
                    ("修订《干部选拔任用工作实施细则》", "局办公室", [], -10, C, False),
                ],
            ),
            (
                "基层党组织建设薄弱",
                "party_building",
                [
                    ("按期完成所属党支部换届选举", "城建档案馆", [], 40, P, False),
                    (
                        "落实“三会一课”制度，建立党支部工作记录季度检查机制",
                        "城建档案馆",
                        ["局办公室"],
                        None,
                        S,
                        False,
                    ),
                    ("补缴欠缴党费", "城建档案馆", [], -60, C, True),
                ],
            ),
        ],
    ),
]

# (summary, official concerned, transferred to, disposal, status, days before today): the
# feedback is due three months after the transfer, so the first and the last are late and
# show red on the office's workbench; the last has not even been taken up yet.
CLUES = [
    (
        "反映某科室负责人在工程验收中收受施工单位礼金",
        "某科室负责人",
        "区纪委监委",
        ProblemClue.Disposal.PRELIMINARY_CHECK,
        ProblemClue.Status.IN_HANDLING,
        110,
    ),
    (
        "反映某项目负责人违规插手工程分包",
        "某项目负责人",
        "区纪委监委",
        ProblemClue.Disposal.TALK_OR_LETTER,
        ProblemClue.Status.CONCLUDED,
        110,
    ),
    (
        "反映某街道干部违规发放拆迁补贴",
        "某街道干部",
        "区纪委监委",
        "",
        ProblemClue.Status.TRANSFERRED,
        120,
    ),
]
PETITIONS = [
    ("反映某小区保障房交付延期", "房屋征收管理中心", Petition.Status.IN_HANDLING),
    ("反映征收补偿款发放不及时", "房屋征收管理中心", Petition.Status.CONCLUDED),
    ("反映施工扬尘扰民", "建筑市场监管科", Petition.Status.PENDING),
]

# 市县一体化: the city above the district of the demo above, and a second county beside it.
CITY = ("江州市委巡察工作领导小组办公室", "江州市")
DISTRICT = ("江州市临溪区委巡察工作领导小组办公室", "临溪区")
COUNTY = ("青山县委巡察工作领导小组办公室", "青山县")
CITY_UNITS = [
    # (name, short name, kind, jurisdiction: "city" | "county")
    ("江州市委巡察工作领导小组办公室", "市委巡察办", Unit.Kind.PARTY_COMMITTEE, "city"),
    ("江州市交通运输局", "市交通局", Unit.Kind.DEPARTMENT, "city"),
    ("青山县委巡察工作领导小组办公室", "县委巡察办", Unit.Kind.PARTY_COMMITTEE, "county"),
    ("青山县农业农村局", "县农业农村局", Unit.Kind.DEPARTMENT, "county"),
    ("青山县交通运输局", "县交通局", Unit.Kind.DEPARTMENT, "county"),
]
CITY_ACCOUNTS = [
    # (username, shown name, role, unit, jurisdiction)
    ("jz_office", "赵敏（市委巡察办）", User.Role.OFFICE, "江州市委巡察工作领导小组办公室", "city"),
    (
        "jz_office2",
        "钱峰（市委巡察办）",
        User.Role.OFFICE,
        "江州市委巡察工作领导小组办公室",
        "city",
    ),
    ("jz_leader", "孙书记（市委）", User.Role.LEADER, "江州市委巡察工作领导小组办公室", "city"),
    ("jz_liaison", "冯涛（市交通运输局）", User.Role.LIAISON, "江州市交通运输局", "city"),
    (
        "qs_office",
        "周红（县委巡察办）",
        User.Role.OFFICE,
        "青山县委巡察工作领导小组办公室",
        "county",
    ),
    (
        "qs_office2",
        "郑伟（县委巡察办）",
        User.Role.OFFICE,
        "青山县委巡察工作领导小组办公室",
        "county",
    ),
    ("qs_leader", "何书记（县委）", User.Role.LEADER, "青山县委巡察工作领导小组办公室", "county"),
    ("qs_liaison", "陈芳（县农业农村局）", User.Role.LIAISON, "青山县农业农村局", "county"),
    ("qs_liaison2", "林浩（县交通运输局）", User.Role.LIAISON, "青山县交通运输局", "county"),
]
JOINT_ROUND_NAME = "2026年江州市委第一轮巡察（市县联动）·交通运输系统"
COUNTY_ROUND_NAME = "2026年青山县委第一轮巡察·县农业农村局"
# (problem, [(measure, lead unit, days to deadline, final status)])
JOINT_FINDINGS = [
    (
        "农村公路建设项目监管不到位",
        [
            ("建立市县两级公路建设项目联合监管台账", "江州市交通运输局", 30, P),
            ("开展县域农村公路质量专项排查", "青山县交通运输局", -5, P),
            ("完成辖区农村公路养护资金专项审计整改", "局办公室", 20, SUB),
        ],
    ),
    (
        "交通运输领域廉政风险防控不够有力",
        [
            ("修订交通工程招投标廉政风险防控办法", "江州市交通运输局", -10, C),
            ("开展交通工程招投标领域专项警示教育", "青山县交通运输局", 45, S),
        ],
    ),
]
COUNTY_FINDINGS = [
    (
        "高标准农田建设项目管理不规范",
        [
            ("完善高标准农田建设项目验收制度", "青山县农业农村局", -20, C),
            ("开展项目资金使用情况专项检查", "青山县农业农村局", -3, P),
            ("建立项目建后管护长效机制", "青山县农业农村局", 60, S),
        ],
    ),
]


class Command(BaseCommand):
    help = "Load the demo units, accounts and a round with findings and measures."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        self.jurisdictions = self._jurisdictions()
        units = self._units()
        users = self._users(units)
        inspection_round, created = InspectionRound.objects.get_or_create(
            name=ROUND_NAME,
            defaults={
                "kind": InspectionRound.Kind.XUNCHA,
                "mode": InspectionRound.Mode.REGULAR,
                "inspecting_body": "区委第一巡察组",
                "jurisdiction": self.jurisdictions["district"],
                "target_unit": units[TARGET_UNIT],
                "onsite_start": today - datetime.timedelta(days=200),
                "onsite_end": today - datetime.timedelta(days=150),
                "feedback_date": today - datetime.timedelta(days=120),
                "declared_problems": 6,
                "declared_measures": 13,
                "accountability_count": 3,
                "discipline_count": 1,
                "organisational_count": 2,
                "rules_established": 8,
                "funds_recovered": "36.50",
                "contact": (
                    "联系电话：0510-12345678；邮政信箱：区委巡察办；电子邮箱：xcb@example.gov.cn"
                ),
            },
        )
        if created:
            self._findings(inspection_round, units, users, today)
            self._clues_and_petitions(inspection_round, units, today)
            self._reports(inspection_round, users, today)
        if not SupervisionGroup.objects.filter(name=GROUP_NAME).exists():
            self._supervision(inspection_round, units, users, today)
        self._thread(inspection_round, units, users)
        self._chain_round(units, users, today)
        self._city_and_counties(units, users, today)
        self.stdout.write(
            self.style.SUCCESS(
                "演示数据已就绪 / demo data ready" + ("" if created else "（已存在，未重复创建）")
            )
        )
        self.stdout.write(f"所有演示账号的密码 / password of every demo account: {DEMO_PASSWORD}")
        names = [u for u, *_ in self._all_accounts()] + [u for u, *_ in CITY_ACCOUNTS]
        for user in (
            User.objects.filter(username__in=names)
            .select_related("unit", "jurisdiction")
            .order_by("jurisdiction_id", "id")
        ):
            unit = user.unit.name if user.unit else ""
            where = user.jurisdiction.label
            self.stdout.write(
                f"  {user.username:<12} {user.get_role_display():<8} {where:<6} {unit}"
            )

    def _reports(
        self, inspection_round: InspectionRound, users: dict[str, User], today: datetime.date
    ) -> None:
        """报告报账: the rectification report sent before its due date and acknowledged, and
        a further report on the look-back asked for within the week, not sent yet."""
        due = inspection_round.report_due_date
        assert due is not None  # set from the feedback date
        RoundReport.objects.create(
            round=inspection_round,
            due=due,
            sent_on=due - datetime.timedelta(days=3),
            acknowledged_on=due + datetime.timedelta(days=4),
            recorded_by=users["office"],
        )
        RoundReport.objects.create(
            round=inspection_round,
            title="关于巡察整改“回头看”情况的报告",
            due=today + datetime.timedelta(days=7),
            recorded_by=users["office"],
        )

    def _all_accounts(self) -> list[tuple[str, str, str, str | None]]:
        return [*ACCOUNTS, *((u, n, User.Role.LIAISON, unit) for unit, _s, u, n in SUB_UNITS)]

    def _units(self) -> dict[str, Unit]:
        district = self.jurisdictions["district"]
        office, _ = Unit.objects.get_or_create(
            name=OFFICE_UNIT,
            defaults={
                "short_name": "区委巡察办",
                "kind": Unit.Kind.PARTY_COMMITTEE,
                "jurisdiction": district,
            },
        )
        target, _ = Unit.objects.get_or_create(
            name=TARGET_UNIT,
            defaults={
                "short_name": "区住建局",
                "kind": Unit.Kind.DEPARTMENT,
                "jurisdiction": district,
            },
        )
        units = {OFFICE_UNIT: office, TARGET_UNIT: target}
        for name, short, *_rest in SUB_UNITS:
            units[name], _ = Unit.objects.get_or_create(
                name=name,
                defaults={"short_name": short, "kind": Unit.Kind.DEPARTMENT, "parent": target},
            )
        return units

    def _jurisdictions(self) -> dict[str, Jurisdiction]:
        """The city, the district of the demo's office below it and a second county beside
        it. A database whose demo was loaded into a single jurisdiction keeps that one as the
        district, now below the city."""
        level = Jurisdiction.Level
        city, _ = Jurisdiction.objects.get_or_create(
            name=CITY[0], defaults={"short_name": CITY[1], "level": level.CITY}
        )
        earlier = Unit.objects.filter(name=OFFICE_UNIT).select_related("jurisdiction").first()
        if earlier is not None and earlier.jurisdiction_id != city.pk:
            district = earlier.jurisdiction
        else:
            district, _ = Jurisdiction.objects.get_or_create(
                name=DISTRICT[0],
                defaults={"short_name": DISTRICT[1], "level": level.COUNTY, "parent": city},
            )
        if district.parent_id is None:
            district.parent, district.level = city, level.COUNTY
            district.short_name = district.short_name or DISTRICT[1]
            district.save(update_fields=["parent", "level", "short_name"])
        county, _ = Jurisdiction.objects.get_or_create(
            name=COUNTY[0],
            defaults={"short_name": COUNTY[1], "level": level.COUNTY, "parent": city},
        )
        return {"city": city, "district": district, "county": county}

    def _city_and_counties(
        self, units: dict[str, Unit], users: dict[str, User], today: datetime.date
    ) -> None:
        """市县一体化: the city's office and the second county's, with a round of the county's
        own and a joint round of the city (市县联动) whose measures are led by units of the
        city, of the district (局办公室, liaison_a) and of the county; once."""
        for name, short, kind, where in CITY_UNITS:
            units[name], _ = Unit.objects.get_or_create(
                name=name,
                defaults={
                    "short_name": short,
                    "kind": kind,
                    "jurisdiction": self.jurisdictions[where],
                },
            )
        for username, display, role, unit_name, where in CITY_ACCOUNTS:
            users[username] = self._account(
                username, display, role, units[unit_name], self.jurisdictions[where]
            )
        if InspectionRound.objects.filter(name=JOINT_ROUND_NAME).exists():
            return
        city, county = self.jurisdictions["city"], self.jurisdictions["county"]
        joint = InspectionRound.objects.create(
            name=JOINT_ROUND_NAME,
            kind=InspectionRound.Kind.XUNCHA,
            mode=InspectionRound.Mode.REGULAR,
            jurisdiction=city,
            inspecting_body="市委第一巡察组（市县联动）",
            target_unit=units["江州市交通运输局"],
            onsite_start=today - datetime.timedelta(days=160),
            onsite_end=today - datetime.timedelta(days=120),
            feedback_date=today - datetime.timedelta(days=90),
        )
        # The team takes county staff (市县交叉、上下联动).
        joint.team.set([users["jz_office"], users["qs_office"], users["office"]])
        county_round = InspectionRound.objects.create(
            name=COUNTY_ROUND_NAME,
            kind=InspectionRound.Kind.XUNCHA,
            mode=InspectionRound.Mode.REGULAR,
            jurisdiction=county,
            inspecting_body="县委第一巡察组",
            target_unit=units["青山县农业农村局"],
            onsite_start=today - datetime.timedelta(days=150),
            onsite_end=today - datetime.timedelta(days=110),
            feedback_date=today - datetime.timedelta(days=80),
        )
        liaison_of = {
            "江州市交通运输局": users["jz_liaison"],
            "青山县农业农村局": users["qs_liaison"],
            "青山县交通运输局": users["qs_liaison2"],
            "局办公室": users["liaison_a"],
        }
        for inspection_round, findings, office in (
            (joint, JOINT_FINDINGS, users["jz_office"]),
            (county_round, COUNTY_FINDINGS, users["qs_office"]),
        ):
            for problem_seq, (title, measures) in enumerate(findings, start=1):
                problem = Problem.objects.create(
                    round=inspection_round,
                    seq=problem_seq,
                    title=title,
                    category="strict_governance",
                    description=f"巡察发现，{title}。",
                )
                for seq, (text, lead, days, status) in enumerate(measures, start=1):
                    deadline = today + datetime.timedelta(days=days)
                    measure = Measure.objects.create(
                        problem=problem,
                        seq=seq,
                        text=text,
                        lead_unit=units[lead],
                        lead_official="分管负责同志",
                        deadline=deadline,
                    )
                    self._live(measure, status, liaison_of[lead], office, deadline, today)

    def _account(
        self, username: str, display: str, role: str, unit: Unit | None, where: Jurisdiction
    ) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": display,
                "role": role,
                "unit": unit,
                "email": f"{username}@example.gov.cn",
                "is_staff": role in STAFF_ROLES,
                "jurisdiction": where,
                "is_demo_account": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _users(self, units: dict[str, Unit]) -> dict[str, User]:
        users = {}
        for username, display, role, unit_name in self._all_accounts():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "display_name": display,
                    "role": role,
                    "unit": units[unit_name] if unit_name else None,
                    "email": f"{username}@example.gov.cn",
                    "is_staff": role in STAFF_ROLES,
                    # The three administrators keep the whole tree from the city; everyone
                    # else of the demo works in the district.
                    "jurisdiction": self.jurisdictions[
                        "city" if role in ADMINISTRATOR_ROLES else "district"
                    ],
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not user.is_demo_account:
                # Keeps demo12345 and goes without a second factor while DEMO_ACCOUNTS is on.
                user.is_demo_account = True
                user.save(update_fields=["is_demo_account"])
            users[username] = user
        target = units[TARGET_UNIT]
        if target.head_id is None:
            target.head = users["head"]
            target.save(update_fields=["head"])
        return users

    def _findings(
        self,
        inspection_round: InspectionRound,
        units: dict[str, Unit],
        users: dict[str, User],
        today: datetime.date,
    ) -> None:
        liaison_of = {unit: users[username] for unit, _s, username, _n in SUB_UNITS}
        office = users["office"]
        problem_seq = 0
        for aspect_seq, (aspect_title, problems) in enumerate(FINDINGS, start=1):
            aspect = Aspect.objects.create(
                round=inspection_round, seq=aspect_seq, title=aspect_title
            )
            for title, category, measures in problems:
                problem_seq += 1
                problem = Problem.objects.create(
                    round=inspection_round,
                    aspect=aspect,
                    seq=problem_seq,
                    title=title,
                    category=category,
                    description=f"巡察发现，{title}。",
                )
                for seq, (text, lead, coop, days, status, immediate) in enumerate(measures, 1):
                    deadline = None if days is None else today + datetime.timedelta(days=days)
                    measure = Measure.objects.create(
                        problem=problem,
                        seq=seq,
                        text=text,
                        lead_unit=units[lead],
                        lead_official="吴建国" if lead == "局办公室" else "分管副局长",
                        deadline=deadline,
                        is_long_term=days is None,
                        is_immediate=immediate,
                    )
                    measure.cooperating_units.set([units[c] for c in coop])
                    self._live(measure, status, liaison_of[lead], office, deadline, today)

    def _live(
        self,
        measure: Measure,
        status: str,
        liaison: User,
        office: User,
        deadline: datetime.date | None,
        today: datetime.date,
    ) -> None:
        """Walk the measure through its life up to `status`, writing the history rows."""
        if status == S:
            return
        base = deadline or today
        moments = {
            "start": base - datetime.timedelta(days=60),
            "submit": base - datetime.timedelta(days=3),
            "approve": base - datetime.timedelta(days=1),
        }
        steps = [("start", S, P, liaison)]
        if status in (SUB, C):
            steps.append(("submit", P, SUB, liaison))
        if status == C:
            steps.append(("approve", SUB, C, office))
        for action, before, after, actor in steps:
            at = timezone.make_aware(
                datetime.datetime.combine(min(moments[action], today), datetime.time(10, 0))
            )
            StatusChange.objects.create(
                measure=measure,
                from_status=before,
                to_status=after,
                action=action,
                actor=actor,
                at=at,
            )
            if action == "submit":
                measure.submitted_at, measure.submitted_by = at, actor
                measure.result_summary = "已按整改方案完成，相关制度和台账已建立。"
            if action == "approve":
                measure.closed_at, measure.closed_by = at, actor
        measure.status = status
        measure.version = len(steps) + 1
        measure.save()

    def _chain_round(
        self, units: dict[str, Unit], users: dict[str, User], today: datetime.date
    ) -> None:
        """A round whose submissions the unit's head endorses and the leader reviews (签字背书
        / 双审核), with one submission of 局办公室 waiting for head_a's endorsement; once."""
        office_unit = units["局办公室"]
        if office_unit.head_id is None:
            office_unit.head = users["head_a"]
            office_unit.save(update_fields=["head"])
        chain_round, created = InspectionRound.objects.get_or_create(
            name=CHAIN_ROUND_NAME,
            defaults={
                "kind": InspectionRound.Kind.XUNCHA,
                "inspecting_body": "区委第二巡察组",
                "jurisdiction": self.jurisdictions["district"],
                "target_unit": units[TARGET_UNIT],
                "feedback_date": today - datetime.timedelta(days=30),
                "endorsement": InspectionRound.Endorsement.HEAD_AND_SUPERIOR,
                "endorsement_superior": users["leader"],
            },
        )
        if not created:
            return
        problem = Problem.objects.create(
            round=chain_round, seq=1, title="公文处理不够规范", category="party_building"
        )
        measure = Measure.objects.create(
            problem=problem,
            seq=1,
            text="修订公文处理办法，开展公文规范专项培训",
            lead_unit=office_unit,
            lead_official="张华",
            deadline=today + datetime.timedelta(days=20),
        )
        liaison = users["liaison_a"]
        services.measure_start(measure_id=measure.pk, actor=liaison)
        services.evidence_upload(
            measure_id=measure.pk,
            actor=liaison,
            uploaded_file=SimpleUploadedFile(
                "公文处理办法.pdf", DEMO_PDF, content_type="application/pdf"
            ),
        )
        services.measure_submit(
            measure_id=measure.pk,
            actor=liaison,
            result_summary="已修订公文处理办法并印发，组织全局公文规范培训2场。",
        )

    def _thread(
        self, inspection_round: InspectionRound, units: dict[str, Unit], users: dict[str, User]
    ) -> None:
        """A thread (留言) on a measure of 局办公室 in progress, written through the service so
        that the mention reaches the liaison's bell; once."""
        measure = (
            Measure.objects.filter(
                problem__round=inspection_round,
                lead_unit=units[SUB_UNITS[0][0]],
                status=Measure.Status.IN_PROGRESS,
            )
            .order_by("problem__seq", "seq")
            .first()
        )
        if measure is None or MeasureComment.objects.filter(measure=measure).exists():
            return
        comments.measure_comment_post(
            measure=measure,
            actor=users["office"],
            text="@liaison_a 请在本周五前补充专题学习的会议记录和签到表，作为佐证材料上传。",
        )
        comments.measure_comment_post(
            measure=measure,
            actor=users["liaison_a"],
            text="@office 收到，会议记录已整理，周四前上传。",
        )

    def _clues_and_petitions(
        self, inspection_round: InspectionRound, units: dict[str, Unit], today: datetime.date
    ) -> None:
        for summary, subject, to, disposal, status, days_ago in CLUES:
            concluded = status == ProblemClue.Status.CONCLUDED
            transferred_on = today - datetime.timedelta(days=days_ago)
            ProblemClue.objects.create(
                round=inspection_round,
                summary=summary,
                subject=subject,
                transferred_to=to,
                transferred_on=transferred_on,
                feedback_due=feedback_due_for(transferred_on),
                disposal=disposal,
                status=status,
                case_opened=False,
                outcome="经谈话函询，予以了结" if concluded else "",
                concluded_on=today - datetime.timedelta(days=20) if concluded else None,
            )
        for summary, handler, petition_status in PETITIONS:
            concluded = petition_status == Petition.Status.CONCLUDED
            received_on = today - datetime.timedelta(days=140)
            Petition.objects.create(
                round=inspection_round,
                summary=summary,
                handler_unit=units[handler],
                received_on=received_on,
                feedback_due=feedback_due_for(received_on),
                status=petition_status,
                concluded_on=today - datetime.timedelta(days=30) if concluded else None,
            )

    def _supervision(
        self,
        inspection_round: InspectionRound,
        units: dict[str, Unit],
        users: dict[str, User],
        today: datetime.date,
    ) -> None:
        """A group following two units, its visits, notices at several levels (one pressed
        again, one replied), a finished look-back with a relapse, and a published evaluation
        with its red-and-black list."""
        office, office2 = users["office"], users["office2"]
        measures = {
            m.text: m
            for m in Measure.objects.filter(problem__round=inspection_round).select_related(
                "problem"
            )
        }
        group = supervision.group_create(
            actor=office,
            fields=supervision.GroupFields(
                name=GROUP_NAME,
                leader=users["leader"],
                members=[users["inspector"]],
                rounds=[inspection_round],
                units=[units["局办公室"], units["建筑市场监管科"]],
            ),
        )
        inspector = users["inspector"]
        supervision.visit_record(
            actor=inspector,
            group=group,
            unit=units["局办公室"],
            inspection_round=inspection_round,
            date=today - datetime.timedelta(days=12),
            method="documents",
            findings="查阅整改台账和会议记录，津补贴清退尚未完成，清退台账不完整。",
            rating=3,
        )
        supervision.visit_record(
            actor=inspector,
            group=group,
            unit=units["建筑市场监管科"],
            inspection_round=inspection_round,
            date=today - datetime.timedelta(days=5),
            method="site",
            findings="现场检查在建项目，廉政风险防控长效机制仍停留在方案阶段。",
            rating=2,
            urge=supervision.UrgeFollowUp(
                level="remind",
                reason="廉政风险防控长效机制推进缓慢，请说明进度安排。",
                reply_due=today + datetime.timedelta(days=7),
                measures=[measures["健全工程建设领域廉政风险防控长效机制"]],
            ),
        )
        supervision.visit_record(
            actor=inspector,
            group=group,
            unit=units["建筑市场监管科"],
            inspection_round=inspection_round,
            date=today - datetime.timedelta(days=2),
            method="talk",
            findings="个别谈话反映，部分项目分包合同未经法律审核。",
            rating=2,
            problem=supervision.ProblemFollowUp(
                title="工程分包合同管理不规范",
                description="督查抽查分包合同12份，3份未经法律审核。",
                category="strict_governance",
                measure_text="开展分包合同专项清理，建立合同法律审核台账",
                deadline=today + datetime.timedelta(days=45),
            ),
        )
        # A reminder the unit did not answer, pressed again to 督办; and an interview (约谈)
        # the unit has answered, waiting for the office's decision.
        late = urges.urge_issue(
            actor=office,
            level="remind",
            reason="违规发放津补贴清退已逾期，请尽快完成。",
            reply_due=today,
            measure=measures["对违规发放津补贴问题全面清退"],
        )
        urges.urge_escalate(
            notice_id=late.pk,
            actor=office,
            level="urge",
            reason="逾期未回复，再次督办，请于三个工作日内书面报告。",
            reply_due=today + datetime.timedelta(days=3),
        )
        interview = urges.urge_issue(
            actor=office,
            level="interview",
            reason="保障性住房项目周调度机制逾期未建立，约谈单位主要负责人。",
            reply_due=today + datetime.timedelta(days=5),
            measure=measures["建立保障性住房项目周调度机制，倒排工期、挂图作战"],
        )
        urges.urge_reply(
            notice_id=interview.pk,
            actor=users["liaison_d"],
            text="已召开专题会议，周调度机制方案已起草，本月底前印发。",
        )
        # The look-back: three signed-off measures drawn with a fixed seed, one relapsed.
        look_back = lookback.look_back_start(
            actor=office, inspection_round=inspection_round, sample_size=3, seed=2026
        )
        items = list(
            LookBackItem.objects.filter(look_back=look_back)
            .select_related("measure")
            .order_by("id")
        )
        for n, item in enumerate(items):
            if n == len(items) - 1:
                lookback.look_back_verdict(
                    item_id=item.pk,
                    actor=office,
                    verdict="relapsed",
                    reason="回头看发现问题反弹，相关制度未执行到位。",
                    deadline=today + datetime.timedelta(days=60),
                )
            else:
                lookback.look_back_verdict(
                    item_id=item.pk,
                    actor=office,
                    verdict="holding",
                    reason="整改成果巩固，制度执行到位。",
                )
        # The hundred-point evaluation with its manual items, scored by the second clerk and
        # published by the first (nobody publishes what they scored), and a list from it.
        draft = evaluation.evaluation_create(actor=office2, inspection_round=inspection_round)
        manual = {"局办公室": (8, 8), "建筑市场监管科": (7, 6), "城建档案馆": (9, 8)}
        manual["房屋征收管理中心"] = (6, 5)
        for name, (evidence_score, supervision_score) in manual.items():
            for key, score in (("evidence", evidence_score), ("supervision", supervision_score)):
                evaluation.evaluation_score_manual(
                    evaluation_id=draft.pk,
                    actor=office2,
                    unit=units[name],
                    key=key,
                    score=score,
                    note="督查组评议",
                )
        evaluation.evaluation_publish(evaluation_id=draft.pk, actor=office)
        evaluation.red_black_publish(
            actor=office, evaluation_id=draft.pk, best_count=1, worst_count=1
        )
