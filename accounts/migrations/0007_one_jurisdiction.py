"""Today's single office's data into one jurisdiction: every unit, account and round.

The jurisdiction is named from the rounds' inspecting bodies (市委第二巡察组 → 市委巡察工作领导小组
办公室), the most common prefix before the team's number; with no rounds it takes the default
name, which an administrator may change.
"""

from collections import Counter

from django.db import migrations

DEFAULT_NAME = "本级巡视巡察工作机构"


def _named_from(rounds) -> tuple[str, str]:
    prefixes = Counter()
    kinds = Counter()
    for body, kind in rounds:
        prefix = body.split("第", 1)[0].strip()
        if prefix and prefix != body.strip():
            prefixes[prefix] += 1
        kinds[kind] += 1
    if not prefixes:
        return DEFAULT_NAME, "city"
    prefix = prefixes.most_common(1)[0][0]
    xunshi = kinds.get("xunshi", 0) > kinds.get("xuncha", 0)
    name = prefix + ("巡视工作领导小组办公室" if xunshi else "巡察工作领导小组办公室")
    level = "province" if prefix.startswith("省") else (
        "county" if any(mark in prefix for mark in ("县", "区", "旗")) else "city"
    )
    return name[:100], level


def into_one(apps, schema_editor):
    Jurisdiction = apps.get_model("accounts", "Jurisdiction")
    Unit = apps.get_model("accounts", "Unit")
    User = apps.get_model("accounts", "User")
    Round = apps.get_model("inspections", "InspectionRound")
    if not (Unit.objects.exists() or User.objects.exists() or Round.objects.exists()):
        return
    top = Jurisdiction.objects.filter(parent__isnull=True).order_by("id").first()
    if top is None:
        name, level = _named_from(Round.objects.values_list("inspecting_body", "kind"))
        top = Jurisdiction.objects.create(name=name, level=level)
    Unit.objects.filter(jurisdiction__isnull=True).update(jurisdiction=top)
    User.objects.filter(jurisdiction__isnull=True).update(jurisdiction=top)
    Round.objects.filter(jurisdiction__isnull=True).update(jurisdiction=top)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_jurisdictions"),
        ("inspections", "0005_round_jurisdiction"),
    ]

    operations = [migrations.RunPython(into_one, migrations.RunPython.noop)]
