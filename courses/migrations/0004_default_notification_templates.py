"""The notices' default wording, in Japanese; HR edits them in the admin."""

from django.db import migrations

DEFAULTS = {
    "order": (
        "【研修命令】{course}（{session}）",
        "{name} 様\n\n次の研修の受講を命じます。\n\n研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n"
        "命令番号：{order_number}（{order_date}）\n取消・欠席の連絡期限：{deadline}\n\n"
        "詳細は研修管理システムで確認してください。\n{portal_link}\n\n人材育成センター",
    ),
    "decision": (
        "【受講決定通知】{course}（{session}）",
        "{name} 様\n\n次の研修の受講が決定しました。\n\n研修名：{course}（{session}）\n日時：{dates}\n会場：{venue}\n"
        "取消期限：{deadline}\n\n{portal_link}\n\n人材育成センター",
    ),
    "reminder": (
        "【お知らせ】{course}（{session}）",
        "{name} 様\n\n{course}（{session}）についてのお知らせです。\n日時：{dates}\n会場：{venue}\n\n"
        "研修管理システムで、未完了の項目を確認してください。\n{portal_link}\n\n人材育成センター",
    ),
}


def create(apps, schema_editor):
    Template = apps.get_model("courses", "NotificationTemplate")
    for kind, (subject, body) in DEFAULTS.items():
        Template.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_inbox_and_templates")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
