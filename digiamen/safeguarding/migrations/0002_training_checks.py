"""The capacity area's training questions measured by the platform (``training``): an
existing installation gets a new version of its newest question set where they are
answered by the staff's training records. Open assessments keep their version."""

from typing import Any

from django.db import migrations

TRAINING_CHECKS = {
    "training_grooming": "training_recognising",
    "training_security": "training_security",
    "training_records": "staff_training",
}


def measure_training(apps: Any, schema_editor: Any) -> None:
    question_set = apps.get_model("safeguarding", "QuestionSet")
    newest = question_set.objects.order_by("-version").first()
    if newest is None:
        return  # a new installation: the shipped first version has them
    content = dict(newest.content)
    used = {q.get("automatic") for q in content["questions"]}
    changed = False
    questions = []
    for question in content["questions"]:
        check = TRAINING_CHECKS.get(question["code"])
        if check and "automatic" not in question and check not in used:
            question = {**question, "automatic": check}
            changed = True
        questions.append(question)
    if changed:
        question_set.objects.create(
            version=newest.version + 1, content={**content, "questions": questions}
        )


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0001_initial")]

    operations = [migrations.RunPython(measure_training, migrations.RunPython.noop)]
