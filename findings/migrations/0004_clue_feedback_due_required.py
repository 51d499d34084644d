# The feedback due date is filled on every row (0003); now it is required, and checked.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('findings', '0003_clue_feedback_deadlines'),
    ]

    operations = [
        migrations.AlterField(
            model_name='petition',
            name='feedback_due',
            field=models.DateField(blank=True, help_text='Left empty, three months after the transfer or receipt.', verbose_name='feedback due'),
        ),
        migrations.AlterField(
            model_name='problemclue',
            name='feedback_due',
            field=models.DateField(blank=True, help_text='Left empty, three months after the transfer or receipt.', verbose_name='feedback due'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(condition=models.Q(('status', 'concluded'), _negated=True), fields=['feedback_due', 'id'], name='petition_open_by_due'),
        ),
        migrations.AddIndex(
            model_name='problemclue',
            index=models.Index(condition=models.Q(('status', 'concluded'), _negated=True), fields=['feedback_due', 'id'], name='clue_open_by_due'),
        ),
        migrations.AddConstraint(
            model_name='petition',
            constraint=models.CheckConstraint(condition=models.Q(('feedback_due__gte', models.F('received_on'))), name='petition_due_after_receipt'),
        ),
        migrations.AddConstraint(
            model_name='petition',
            constraint=models.CheckConstraint(condition=models.Q(('concluded_on__isnull', True), ('concluded_on__gte', models.F('received_on')), _connector='OR'), name='petition_concluded_after_receipt'),
        ),
        migrations.AddConstraint(
            model_name='problemclue',
            constraint=models.CheckConstraint(condition=models.Q(('feedback_due__gte', models.F('transferred_on'))), name='clue_due_after_transfer'),
        ),
        migrations.AddConstraint(
            model_name='problemclue',
            constraint=models.CheckConstraint(condition=models.Q(('concluded_on__isnull', True), ('concluded_on__gte', models.F('transferred_on')), _connector='OR'), name='clue_concluded_after_transfer'),
        ),
    ]
