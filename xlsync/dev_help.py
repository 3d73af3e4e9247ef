"""What `xlsync help-dev` prints: the advanced usage kept out of the teachers' `--help`
(Google Sheets sources, credential files, environment variables, developer commands)."""

from __future__ import annotations

DEV_HELP_HINT = "高级用法（给信息管理员和开发者）：xlsync help-dev"

DEV_HELP = """\
xlsync 高级用法（给学校的信息管理员和开发者；老师日常用不到）

放在 Google 表格里的班级台账
  validate、overdue 的台账可以写成 gsheet:表格ID 或表格网址，例如
    xlsync validate gsheet:1AbCdEf --credentials 密钥.json
  全校汇总 班级 表的 台账来源 也可以写 gsheet:表格ID，汇总时一起读取。

Google 凭据（--credentials）
  可以是服务账号密钥（JSON，type 为 service_account），也可以是 OAuth 授权文件
  （type 为 authorized_user）。密钥文件里自带的 token_uri 会被使用。
  不写 --credentials 时：先用环境变量 XLSYNC_GOOGLE_CREDENTIALS；同步（sync）
  还会用 学校信息 表的 凭据文件（相对于全校汇总所在文件夹的路径）。

环境变量
  XLSYNC_GOOGLE_CREDENTIALS  Google 凭据文件的路径
  XLSYNC_SHEETS_API          Google 表格接口地址（默认 https://sheets.googleapis.com；
                             可指向学校的代理或本地模拟器）
  HTTPS_PROXY                上网要经过代理时的代理地址，如 http://代理地址:端口
  XLSYNC_MASTER_PASSWORD     全校汇总加了密码时的密码（读取时解密，写入时加密）
  XLSYNC_EXPORT_PASSWORD     export --encrypt 的密码（脚本中使用，不再提示输入）；
                             rollup 用它打开各校加了密码的导出文件

开发用命令
  xlsync templates [--out 文件夹]   按表结构的定义重新生成 workbook_templates 中的模板
  xlsync addin build [--out 文件]   从宏源文件生成 Excel 加载项 xlsync.xlam
  python -m xlsync.docgen            重新生成 README 中由代码生成的章节
"""
