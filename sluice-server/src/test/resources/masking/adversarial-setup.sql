create table customers (id int primary key, name text, email text unique, card text, ssn text, phone text,
  city text, note text, profile jsonb);
insert into customers values
  (1, 'Zora Quillfeather', 'nightjar.owl77@example.com', '4539 1488 0343 6467', '536-22-7841',
   '+1 (415) 555-2671', 'Ulaanbaatar', 'prefers post', '{"tier": "gold", "backup": "nightjar.owl77@example.com"}'),
  (2, 'Yannick Oduya', 'kestrel.fox42@example.org', '5425233430109903', '478-31-5520',
   '+44 20 7946 0958', 'Reykjavik', 'vip', '{"tier": "silver"}');
create table stock (id int, card text, label text);
insert into stock values (1, 'ace of spades', 'Joker');
create table notes (id serial primary key, body text);
create table orders (id int primary key, customer_id int, item text, amount numeric);
insert into orders values (1, 1, 'Telescope', 99.50), (2, 2, 'Kayak', 450);
create view v_cards as select id, reverse(card) as rc, name from customers;
create view v_public as select id, name, city from customers;
create view v_nested as select id, rc from v_cards;
create view v_whole as select c as whole from customers c;
create materialized view mv_cards as select id, upper(email) as ue from customers;
create sequence s1;
create function leak() returns text language sql as $$select card from customers order by id limit 1$$;
create function leak_rows() returns setof customers language sql as $$select * from customers$$;
create function leak_notice() returns int language plpgsql as
  $$begin raise notice 'n %', (select reverse(card) from customers order by id limit 1); return 1; end$$;
create function leak_error() returns int language plpgsql as
  $$begin raise exception 'e %', (select reverse(card) from customers order by id limit 1); end$$;
create function leak_hint() returns int language plpgsql as
  $$begin raise exception 'oops' using detail = (select email from customers order by id limit 1),
    hint = (select reverse(email) from customers order by id limit 1); end$$;
create function leak_status() returns int language plpgsql as
  $$begin perform set_config('application_name', (select substr(card, 1, 9) from customers order by id limit 1),
    false); return 1; end$$;
create view v_func as select leak() as x;
create view v_xml as select query_to_xml('select card from customers', true, false, '') as x;
create function notes_notice() returns trigger language plpgsql as
  $$begin raise notice 'ref %', (select reverse(card) from customers where id = 1); return new; end$$;
create trigger notes_notice after insert on notes for each row execute function notes_notice();
create function plain_double(x int) returns int language sql as 'select x * 2';
create function op_leak(int, int) returns text language sql as
  $$select reverse(card) from customers order by id limit 1$$;
create operator ### (leftarg = int, rightarg = int, function = op_leak);
create type tag as enum ('a', 'b');
create function tag_text(tag) returns varchar language sql as $$select reverse(card) from customers order by id limit 1$$;
create cast (tag as varchar) with function tag_text(tag);
create function rev_leak() returns text language sql as $$select reverse(card) from customers order by id limit 1$$;
create table t_def (id int, x text default rev_leak());
create table t_trig (id int, body text);
create function t_trig_fill() returns trigger language plpgsql as
  $$begin new.body := (select reverse(email) from customers where id = 1); return new; end$$;
create trigger t_trig_fill before insert on t_trig for each row execute function t_trig_fill();
create function imm_leak() returns text immutable language sql as
  $$select reverse(card) from customers order by id limit 1$$;
create function leak_notify() returns int language plpgsql as
  $$begin perform pg_notify('adv_n', (select substr(replace(card, ' ', ''), 3, 9) from customers where id = 1));
  return 1; end$$;
create table accounts (id int, card text, label text) partition by range (id);
create table accounts_2024 partition of accounts for values from (0) to (100);
insert into accounts values (1, '7646 3430 8841 9354', 'lbl-ok');
analyze customers;
alter table customers owner to app;
alter table stock owner to app;
alter table notes owner to app;
alter table orders owner to app;
alter view v_cards owner to app;
alter view v_public owner to app;
alter view v_nested owner to app;
alter view v_whole owner to app;
alter view v_func owner to app;
alter view v_xml owner to app;
alter materialized view mv_cards owner to app;
alter sequence s1 owner to app;
alter function leak() owner to app;
alter function leak_rows() owner to app;
alter function leak_notice() owner to app;
alter function leak_error() owner to app;
alter function leak_hint() owner to app;
alter function leak_status() owner to app;
alter function plain_double(int) owner to app;
alter function notes_notice() owner to app;
alter table t_def owner to app;
alter table t_trig owner to app;
alter function imm_leak() owner to app;
alter function leak_notify() owner to app;
alter table accounts owner to app;
alter table accounts_2024 owner to app;
