# Regenerates corpus.tsv (seeded, deterministic): python3 generate_corpus.py
import base64, json, random
random.seed(7)
def luhn_ok(s):
    d=[int(c) for c in s if c.isdigit()]
    t=0
    for i,x in enumerate(reversed(d)):
        if i%2==1:
            x*=2
            if x>9:x-=9
        t+=x
    return t%10==0
def complete(prefix, length):
    body=prefix+''.join(random.choice('0123456789') for _ in range(length-len(prefix)-1))
    for c in '0123456789':
        if luhn_ok(body+c): return body+c
def iban_ok(s):
    s=s.replace(' ','')
    r=s[4:]+s[:4]
    n=''.join(str(int(c,36)) for c in r)
    return int(n)%97==1
def b64(o):
    return base64.urlsafe_b64encode(json.dumps(o,separators=(',',':')).encode()).decode().rstrip('=')
rows=[]
def pos(det,text,*spans):
    for s in spans: assert s in text,(text,s)
    rows.append((text,det,'\t'.join(spans)))
def neg(det,text): rows.append((text,det,'none'))

# ---- card
for c in ['4242424242424242','4111111111111111','4012888888881881','4000056655665556','5555555555554444',
          '5105105105105100','2223003122003222','378282246310005','371449635398431','6011111111111117',
          '6011000990139424','3530111333300000','3566002020360505','30569309025904','38520000023237',
          '36227206271667','4222222222222']:
    assert luhn_ok(c),c
    pos('card', 'card '+c, c)
for p,l in [('2720',16),('2221',16),('65',16),('644',16),('649',19),('3589',17),('300',14),('305',16),('4',19),('51',16),('55',16),('34',15),('37',15),('6011',19),('36',14),('38',16)]:
    c=complete(p,l); pos('card', f'paid with {c}.', c)
pos('card','4242 4242 4242 4242','4242 4242 4242 4242')
pos('card','Card: 4242-4242-4242-4242, exp 12/25','4242-4242-4242-4242')
pos('card','amex 3782 822463 10005 ok','3782 822463 10005')
pos('card','number=4012888888881881;','4012888888881881')
pos('card','4242424242424242 100','4242424242424242')
pos('card','qty 2 4111111111111111','4111111111111111')
pos('card','"5555555555554444"','5555555555554444')
pos('card','cards 4111111111111111 and 5105105105105100','4111111111111111','5105105105105100')
pos('card','{"pan":"6011111111111117","cvv":"123"}','6011111111111117')
for t in ['4242424242424241','4242 4242 4242 4241','1234567812345678','order 42424242424242424242',
          'id 4242424242424242424242','x4242424242424242','0.4242424242424242','4242  4242 4242 4242',
          '4242-4242 4242-4242','123e4567-e89b-12d3-a456-426614174000','ts 1700000000000',
          '+1 415 555 2671','4242424242424242_x','ref 4111111111111111.5']:
    neg('card',t)
neg('card','amex-len16 '+complete('34',16)); neg('card','mc-prefix56 '+complete('56',16))
neg('card','unknown issuer '+complete('9',16)); neg('card','visa-len15 '+complete('4',15))
neg('card','diners-len13 '+complete('36',13)); neg('card','mc-len19 '+complete('52',19))
# ---- email
for t,s in [('john.doe@example.com','john.doe@example.com'),('Contact: jane_doe+tag@mail.example.co.uk.','jane_doe+tag@mail.example.co.uk'),
            ('<bob@example.org>','bob@example.org'),('mailto:alice@example.net','alice@example.net'),('USER@EXAMPLE.COM','USER@EXAMPLE.COM'),
            ('a.b-c@sub-domain.example.io','a.b-c@sub-domain.example.io'),('x@example.xn--p1ai','x@example.xn--p1ai'),
            ('first.last@company.museum is the owner','first.last@company.museum'),('"m.smith@corp.example.de",','m.smith@corp.example.de'),
            ('From: Jo <jo@ex.io>','jo@ex.io'),('user%relay@example.com','user%relay@example.com')]:
    pos('email',t,s)
pos('email','cc a@example.com; b@example.org','a@example.com','b@example.org')
for t in ['foo@bar','a@b','user@localhost','see @mention on twitter','pkg@1.2.3','https://user:pass@example.com/path',
          'https://john@example.com/','name@@example.com','john..doe@example.com','user@-example.com','x@host.c',
          '@example.com','john@example.123','npm i @scope/pkg@2.0.1','user@example.','.@example.com']:
    neg('email',t)
# ---- ssn
pos('ssn','SSN 123-45-6789','123-45-6789'); pos('ssn','ssn:078-05-1120','078-05-1120'); pos('ssn','536-22-9876','536-22-9876')
pos('ssn','(899-99-9999)','899-99-9999'); pos('ssn','ids 123-45-6789, 234-56-7890','123-45-6789','234-56-7890')
pos('ssn','"ssn":"001-01-0001"','001-01-0001')
for t in ['000-12-3456','666-12-3456','900-12-3456','999-12-3456','123-00-4567','123-45-0000','123456789','2024-01-15',
          '1-123-45-6789','123-45-67890','555-123-4567','A123-45-6789','123 45 6789','12-345-6789','123-45-6789-1']:
    neg('ssn',t)
# ---- phone
for t,s in [('+1 415 555 2671','+1 415 555 2671'),('+44 20 7946 0958','+44 20 7946 0958'),('+4915123456789','+4915123456789'),
            ('+1 (415) 555-2671','+1 (415) 555-2671'),('(415) 555-2671','(415) 555-2671'),('(415)555-2671','(415)555-2671'),
            ('call 415-555-2671 now','415-555-2671'),('415.555.2671','415.555.2671'),('1-800-555-0199','1-800-555-0199'),
            ('tel:+33-1-23-45-67-89','+33-1-23-45-67-89'),('+81.3.1234.5678','+81.3.1234.5678'),('phone: 212-555-0187.','212-555-0187')]:
    pos('phone',t,s)
for t in ['2024-01-15','123e4567-e89b-12d3-a456-426614174000','1+2345678901','+0123456789','+12345','115-555-2671',
          '415-155-2671','version 1.2.3','192.168.100.200','ORD-2024-000123','+1234567890123456','415-555-26711',
          'tel 4155552671','x415-555-2671','(115) 555-2671','3+4=7']:
    neg('phone',t)
# ---- iban
ibans=['DE89370400440532013000','GB82WEST12345698765432','FR1420041010050500013M02606','NL91ABNA0417164300','ES9121000418450200051332',
 'IT60X0542811101000000123456','BE68539007547034','CH9300762011623852957','AT611904300234573201','PL61109010140000071219812874',
 'NO9386011117947','SE4550000000058398257466','DK5000400440116243','FI2112345600000785','IE29AIBK93115212345678',
 'PT50000201231234567890154','LU280019400644750000','CZ6508000000192000145399','HU42117730161111101800000000',
 'RO49AAAA1B31007593840000','SA0380000000608010167519','AE070331234567890123456','TR330006100519786457841326',
 'GR1601101250000000012300695','SK3112000000198742637541','SI56263300012039086','HR1210010051863000160','LT121000011101001000',
 'LV80BANK0000435195001','EE382200221020145685','BG80BNBG96611020345678','MT84MALT011000012345MTLCAST001S',
 'IS140159260076545510730339','LI21088100002324013AA','MC5811222000010123456789030','KW81CBKU0000000000001234560101',
 'IL620108000000099999999','JO94CBJO0010000000000131000302','BR1800360305000010009795493C1']
for i in ibans:
    if not iban_ok(i): print('BAD',i); continue
    pos('iban','IBAN: '+i,i)
def grp(s): return ' '.join(s[i:i+4] for i in range(0,len(s),4))
for i in ['DE89370400440532013000','GB82WEST12345698765432','FR1420041010050500013M02606','NL91ABNA0417164300']:
    pos('iban',f'pay to {grp(i)} EUR',grp(i))
for t in ['DE89370400440532013001','GB82WEST12345698765433','DE8937040044053201300','DE893704004405320130001',
          'XX89370400440532013000','de89370400440532013000','DE89 3704 0044 0532 0130 01','US12345678901234567890',
          'XDE89370400440532013000','DE89 37040044 0532013000']:
    neg('iban',t)
# ---- ipv4
for t,s in [('192.168.1.1','192.168.1.1'),('host 10.0.0.255:5432','10.0.0.255'),('from 8.8.8.8.','8.8.8.8'),('(172.16.254.1)','172.16.254.1'),
            ('255.255.255.255','255.255.255.255'),('ip=203.0.113.7/24','203.0.113.7'),('0.0.0.0','0.0.0.0')]:
    pos('ipv4',t,s)
pos('ipv4','a 10.1.2.3 b 10.4.5.6','10.1.2.3','10.4.5.6')
for t in ['1.2.3.4.5','v1.2.3.4','256.1.1.1','192.168.1','01.02.03.04','1.2.3.4.5.6','2024.01.15','3.14159',
          'version 10.0.19041.1237','1234.1.1.1','192.168.1.1a','1.2.3.-4']:
    neg('ipv4',t)
# ---- ipv6
for t,s in [('2001:0db8:85a3:0000:0000:8a2e:0370:7334','2001:0db8:85a3:0000:0000:8a2e:0370:7334'),('2001:db8::1','2001:db8::1'),
            ('fe80::1ff:fe23:4567:890a%eth0','fe80::1ff:fe23:4567:890a'),('[2001:db8::ff00:42:8329]:443','2001:db8::ff00:42:8329'),
            ('addr 2001:db8:0:0:1:0:0:1/64','2001:db8:0:0:1:0:0:1'),('peer=2001:DB8::ABCD, ok','2001:DB8::ABCD'),('net 2001:db8::','2001:db8::')]:
    pos('ipv6',t,s)
for t in ['12:30:45','00:1A:2B:3C:4D:5E','std::vector','::','a::b::c','2001:db8:::1','1:2:3:4:5:6:7:8:9','Foo::Bar',
          'ratio 3:2','2001:db8:85a3:0:0:8a2e:370','12345::1','time 10:30']:
    neg('ipv6',t)
# ---- jwt
hdr=b64({"alg":"HS256","typ":"JWT"}); pl=b64({"sub":"1234567890","name":"John Doe","iat":1516239022})
sig='SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c'
jwt=f'{hdr}.{pl}.{sig}'
pos('jwt','Authorization: Bearer '+jwt,jwt)
pos('jwt',f'token={jwt}&x=1',jwt)
rs=b64({"alg":"RS256","kid":"k1"})+'.'+b64({"iss":"https://idp.example","aud":"sluice","exp":1999999999})+'.'+''.join(random.choice('ABCDEFGHabcdefgh0123456789-_') for _ in range(342))
pos('jwt',f'"{rs}"',rs)
un=b64({"alg":"none"})+'.'+b64({"sub":"x"})+'.'
pos('jwt','unsecured '+un,un)
neg('jwt',b64({"not":"a jwt"})+'.'+pl+'.'+sig)
neg('jwt',hdr+'.onlytwo'); neg('jwt','abc.def.ghi'); neg('jwt','eyJ'); neg('jwt','x'+jwt); neg('jwt',jwt+'.extra')
neg('jwt','eyJhbGciOi.broken.base64')
# ---- private-key
body='MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\\naIxN2oOcBv0z5FyBQmZ7+3K2mZOo3XwYvB1d'
pk='-----BEGIN RSA PRIVATE KEY-----\\n'+body+'\\n-----END RSA PRIVATE KEY-----'
pos('private-key','key:\\n'+pk+'\\nend',pk)
op='-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\\n-----END OPENSSH PRIVATE KEY-----'
pos('private-key',op,op)
tr='-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7'
pos('private-key','truncated '+tr,tr)
ec='-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\\n-----END EC PRIVATE KEY-----'
pos('private-key',ec+' trailing',ec)
en='-----BEGIN ENCRYPTED PRIVATE KEY-----\\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\\n-----END ENCRYPTED PRIVATE KEY-----'
pos('private-key',en,en)
for t in ['-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIU\\n-----END CERTIFICATE-----','-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYI\\n-----END PUBLIC KEY-----',
          '-----BEGIN RSA PUBLIC KEY-----\\nMIIBCgKCAQEA\\n-----END RSA PUBLIC KEY-----','the words private key in prose','BEGIN RSA PRIVATE KEY']:
    neg('private-key',t)
# ---- aws
sk='wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
for t,s in [('AKIAIOSFODNN7EXAMPLE','AKIAIOSFODNN7EXAMPLE'),('key id ASIAY34FZKBOKMUTVV7A,','ASIAY34FZKBOKMUTVV7A'),
            ('aws_secret_access_key = '+sk,sk),('AWS_SECRET_ACCESS_KEY='+sk,sk),('"SecretAccessKey": "'+sk+'"',sk),
            ("secret_access_key: '"+sk+"'",sk)]:
    pos('aws-key',t,s)
pos('aws-key','[default]\\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\\naws_secret_access_key = '+sk,'AKIAIOSFODNN7EXAMPLE',sk)
for t in ['AKIAIOSFODNN7EXAMPL','XAKIAIOSFODNN7EXAMPLE','akiaiosfodnn7example',sk,'secret = '+sk,'AKIAIOSFODNN7EXAMPLEX',
          'aws_secret_access_key = short','AKIA is a prefix']:
    neg('aws-key',t)
# ---- github
an='abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789'
def rnd(n,al=an): return ''.join(random.choice(al) for _ in range(n))
for p in ['ghp_','gho_','ghu_','ghs_','ghr_']:
    tok=p+rnd(36); pos('github-token','GITHUB_TOKEN='+tok,tok)
pat='github_pat_11'+rnd(20)+'_'+rnd(59); pos('github-token','token: '+pat,pat)
for t in ['ghp_short','ghx_'+rnd(36),'myghp_'+rnd(36),'ghp_'+rnd(35),'github_pat_short','ghp_'+rnd(36)+'_x']:
    neg('github-token',t)
# ---- slack
for t in ['xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx','xoxp-1234-5678-abcdef','xoxa-2-abcdefghij','xoxr-12345678901','xoxs-9876543210-abc']:
    pos('slack-token','SLACK='+t+' end',t)
for t in ['xoxo-hugs','xoxb-','xoxb-abcdefghijkl','xoxq-123456789012','myxoxb-123456789012','xoxb-1234']:
    neg('slack-token',t)

# ---- realistic mixed lines and harder cases
pos('email','josé@example.com','josé@example.com')
pos('email','contact: 用户@例子.广告','用户@例子.广告')
pos('email','2024-01-15 10:30:45 INFO login ok user=alice.smith@corp.example.com ip=10.2.3.4','alice.smith@corp.example.com')
pos('email','git@github.com:org/repo.git','git@github.com')
neg('email','image.png at 2x and logo@2x')
neg('email','ssh://git@github.com/org/repo.git')
pos('phone','(415) 555 2671','(415) 555 2671')
pos('phone','Tel. +49 (0)30 12345678','+49 (0)30 12345678')
neg('phone','(415) 555')
neg('phone','coords 415.555.26')
pos('card','{"card":"4111 1111 1111 1111","exp":"12/27"}','4111 1111 1111 1111')
neg('card','2024-01-15 4111-1111')
neg('card','account 0012345678901234')
pos('ipv4','GET /health from 198.51.100.23 took 3ms','198.51.100.23')
neg('ipv4','chrome/120.0.6099.129 safari')
pos('ssn','employee 219-09-9999 hired','219-09-9999')
pos('iban','Konto DE89370400440532013000.','DE89370400440532013000')
pos('jwt','{"access_token":"'+jwt+'","token_type":"Bearer"}',jwt)
pos('aws-key','export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE','AKIAI44QH8DHBEXAMPLE')
# ---- hard negatives for every detector
for t in ['123e4567-e89b-12d3-a456-426614174000','550E8400-E29B-41D4-A716-446655440000','2024-01-15','2024-01-15T10:30:45Z',
          '2024-01-15 10:30:45.123456+00','version 1.2.3.4.5','v2.14.1','Total: 1,234,567.89','Order #1234567890123',
          '9fceb02d0ae598e95dc970b74767f19372d61af8','e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
          'tracking 1Z999AA10123456784','SGVsbG8gV29ybGQ=','/usr/lib/jvm/temurin-25-jdk-amd64','PostgreSQL 15.18 on x86_64-pc-linux-gnu',
          'ISBN 978-3-16-148410-0','lat 48.8566, lon 2.3522','https://example.com/a/b?c=d#frag','The quick brown fox jumps over the lazy dog.',
          'SELECT id, name FROM users WHERE id = 42;','order ORD-2024-000123 shipped','price 19.99 USD','1700000000000','12:30:45',
          '{"id": 12345678, "status": "ok"}','room 4B, floor 12','ratio 16:9','std::vector<int>','foo@bar','user@localhost',
          'v1.2.3.4','build 20240115.3','serial SN-00012345-XY','C:\\\\Program Files\\\\App','a-b-c-d-e','1-2-3-4-5-6-7-8-9-0']:
    neg('*',t)
import os
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'corpus.tsv'),'w') as f:
    f.write('# Detector corpus: text<TAB>detector<TAB>expected spans (one per column) or "none".\n')
    f.write('# detector "*" = no built-in detector may report anything. In text, \\n and \\t are escapes.\n')
    for r in rows:
        assert '\t' not in r[0]
        f.write('\t'.join(r)+'\n')
print(len(rows))
