from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.appeals import services
from gongzhi.core.errors import ApplicationError
from gongzhi.places.models import Area

# Exit codes, as import-residents: 0 imported (or a clean dry run), 1 rows with errors (nothing
# written, unless --keep-good-rows: then the good rows are), 2 nothing could be checked.
EXIT_ROW_ERRORS = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import a 12345 hotline work-order file (.xlsx or .csv) into an area (a district, street or community). "
        "Re-importing the same file changes nothing. Exit 0 done, 1 row errors, 2 file or arguments unusable."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--area", required=True, help="official code of the district, street or community")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--keep-good-rows", action="store_true", help="import the good rows when some are bad")
        parser.add_argument("--user", default="", help="username recorded as the importer")

    def handle(self, *args, file, area, dry_run, keep_good_rows, user, **options):
        if not Area.objects.filter(code=area).exists() or len(area) < 6:
            raise CommandError(_("区域代码不存在：%s") % area, returncode=EXIT_UNREADABLE)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("用户不存在：%s") % user, returncode=EXIT_UNREADABLE)
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件：%s") % exc, returncode=EXIT_UNREADABLE) from exc
        try:
            report = services.hotline_import(
                actor=actor,
                area_code=area,
                file_name=path.name,
                content=content,
                dry_run=dry_run,
                keep_good_rows=keep_good_rows,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from exc
        if report.ignored:
            self.stdout.write(_("已忽略的列（内容不会导入）：%(columns)s") % {"columns": "、".join(report.ignored)})
        for row, message in report.errors:
            self.stdout.write(_("第%(row)d行 %(message)s") % {"row": row, "message": message})
        for row, message in report.warnings:
            self.stdout.write(_("第%(row)d行 提醒：%(message)s") % {"row": row, "message": message})
        self.stdout.write(
            _(
                "读取%(rows)d行：新建%(create)d件（定位到户%(placed)d件，待定位%(unplaced)d件），已导入过%(existing)d件，错误%(errors)d行"
            )
            % {
                "rows": report.rows,
                "create": report.to_create,
                "placed": report.placed,
                "unplaced": report.unplaced,
                "existing": report.existing,
                "errors": len(report.errors),
            }
        )
        if report.written:
            self.stdout.write(_("导入完成"))
        elif dry_run and not report.errors:
            self.stdout.write(_("预览完成，未写入数据（--dry-run）"))
        if report.errors:
            raise CommandError(
                _("有错误行，已导入正确的行") if report.written else _("有错误，未导入任何数据"),
                returncode=EXIT_ROW_ERRORS,
            )
