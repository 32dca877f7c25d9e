select (select count(*) from items) = 10
   and (select string_agg(name, ',' order by id) from items)
       = 'item-1,item-2,item-3,item-4,item-5,item-6,item-7,item-8,item-9,item-10'
   and (select count(*) from information_schema.columns where table_schema = 'public' and table_name = 'items') = 3
   and (select count(*) from customers where email like '_@example.com') = 3
   and (select count(*) from secrets) = 1
   and (select count(*) from billing.invoices) = 2
   and (select count(*) from "Order Lines") = 1
   and to_regclass('public.items_v') is not null
   and (select harmless(2)) = 4
   and (select count(*) from information_schema.table_privileges where grantee = 'PUBLIC'
        and table_schema in ('public', 'billing')) = 0
   and not exists (select 1 from pg_roles where rolname = 'intruder' or (rolname = 'app' and rolsuper))
   and not exists (select 1 from pg_trigger where tgrelid = 'items'::regclass and not tgisinternal)
   and not exists (select 1 from pg_db_role_setting)
