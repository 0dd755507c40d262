import { renderProcTitle, validProcTitleTemplate } from './proc-title.js';

const vars = { title: 'tsredis-server', 'listen-addr': '127.0.0.1:6379', 'server-mode': '', port: '6379' };

test('the default template renders like redis-server: title and listen address, no trailing space', () => {
  expect(renderProcTitle('{title} {listen-addr} {server-mode}', vars)).toBe('tsredis-server 127.0.0.1:6379');
  expect(renderProcTitle('redis {port}!', vars)).toBe('redis 6379!');
});

test('unknown variables and unbalanced braces are refused', () => {
  expect(validProcTitleTemplate('{title} {bogus}')).toBe(false);
  expect(validProcTitleTemplate('{title')).toBe(false);
  expect(validProcTitleTemplate('title}')).toBe(false);
  expect(validProcTitleTemplate('{title} {config-file} {unixsocket} {tls-port}')).toBe(true);
});
