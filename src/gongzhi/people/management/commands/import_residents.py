from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gongzhi.core.errors import ApplicationError
from gongzhi.people import register_import
from gongzhi.people.messages import PEOPLE
from gongzhi.places.models import Area

# Exit codes: 0 imported (or a clean dry run), 1 rows with errors (nothing written, unless
# --keep-good-rows: then the good rows are), 2 nothing could be checked (file unreadable, unknown
# community or user).
EXIT_ROW_ERRORS = 1
EXIT_UNREADABLE = 2


class Command(BaseCommand):
    help = (
        "Import a residents register file (花名册, .xlsx or .csv) into a community: all rows or none "
        "(or, with --keep-good-rows, the rows without errors). "
        "Exit 0 done, 1 row errors, 2 file or arguments unusable."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--community", required=True, help="12-digit community code")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument("--keep-good-rows", action="store_true", help="import the good rows when some are bad")
        parser.add_argument("--user", default="", help="username recorded in the audit log")

    def handle(self, *args, file, community, dry_run, keep_good_rows, user, **options):
        area = Area.objects.filter(code=community, level=Area.Level.COMMUNITY).first()
        if area is None:
            raise CommandError(_("社区代码不存在：%s") % community, returncode=EXIT_UNREADABLE)
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
            report = register_import.register_file_import(
                actor=actor,
                community=area,
                file_name=path.name,
                content=content,
                dry_run=dry_run,
                keep_good_rows=keep_good_rows,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from exc
        if report.ignored_columns:
            columns = [
                _("%(letter)s列“%(header)s”") % {"letter": letter, "header": header}
                if header
                else _("%(letter)s列（无列名）") % {"letter": letter}
                for letter, header in report.ignored_columns
            ]
            self.stdout.write(_("已忽略的列（内容不会导入）：%(columns)s") % {"columns": "、".join(columns)})
        for warning in report.warnings:
            message = PEOPLE.text(warning.code, **warning.params)
            where = {"row": warning.row, "column": warning.column, "message": message}
            if warning.column:
                self.stdout.write(_("第%(row)d行 %(column)s 提示：%(message)s") % where)
            else:
                self.stdout.write(_("第%(row)d行 提示：%(message)s") % where)
        for error in report.errors:
            message = PEOPLE.text(error.code, **error.params)
            self.stdout.write(
                _("第%(row)d行 %(column)s %(message)s") % {"row": error.row, "column": error.column, "message": message}
            )
        self.stdout.write(
            _(
                "读取%(rows)d行：新增%(create)d人，更新%(update)d人，无变化%(same)d人；"
                "新建网格%(grids)d个、楼栋%(buildings)d栋、户%(households)d户；错误%(errors)d条"
            )
            % {
                "rows": report.rows_read,
                "create": report.to_create,
                "update": report.to_update,
                "same": report.unchanged,
                "grids": report.grids_to_create,
                "buildings": report.buildings_to_create,
                "households": report.households_to_create,
                "errors": len(report.errors),
            }
        )
        if report.imported:
            self.stdout.write(_("导入完成"))
        elif dry_run and not report.errors:
            self.stdout.write(_("预览完成，未写入数据（--dry-run）"))
        if report.errors:
            raise CommandError(
                _("有错误行，已导入正确的行") if report.imported else _("有错误，未导入任何数据"),
                returncode=EXIT_ROW_ERRORS,
            )
