import { Card, Typography } from "antd";
import { useLang } from "../shared/i18n.js";
import { useT } from "./i18n.js";

/** An empty page of the shell: its title and what it will show. */
export function Placeholder({
  title,
  what,
}: {
  title: { zh: string; en: string };
  what: { zh: string; en: string };
}) {
  const { lang } = useLang();
  const t = useT();
  return (
    <Card>
      <Typography.Title level={2}>{title[lang]}</Typography.Title>
      <Typography.Paragraph>{what[lang]}</Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t.building}</Typography.Paragraph>
    </Card>
  );
}
