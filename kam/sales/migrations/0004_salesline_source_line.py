from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0003_dry_run_result"),
    ]

    operations = [
        migrations.AddField(
            model_name="salesline",
            name="source_line",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="line in the file"
            ),
        ),
    ]
