-- Runs once, when the compose postgres volume is first initialised (docker-entrypoint-initdb.d).
-- A LOGIN role for Grafana that can only do what breakeven_analyst can: SELECT the analyst views.
-- breakeven's migrations create breakeven_analyst too and skip it when it exists; they grant it the
-- SELECTs when they run (the worker migrates on start). Change the password for anything but a demo.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'breakeven_analyst') then
    create role breakeven_analyst nologin;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'grafana') then
    create role grafana login password 'grafana';
  end if;
end
$$;
grant breakeven_analyst to grafana;
