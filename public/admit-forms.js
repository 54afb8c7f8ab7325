// Progressive enhancement of admit's forms (CSP: loaded with <script src defer>, no inline code).
// Without JavaScript every field stays a plain field and the server's answer is all there is.
//
// 1. Show / Hide beside each password field.
// 2. Change Password: each rule of the list (rendered by the server) marked met or not met
//    while the new password is typed. The checks mirror src/services/password-policy/rules.ts;
//    nothing typed leaves the page, and the server still decides when the form is posted.
(() => {
  'use strict';

  // The words this script writes, in the page's language: the layout puts them on <html> as data-say-* (English without).
  const say = (name, fallback) => document.documentElement.dataset[`say${name}`] || fallback;

  function addRevealButtons() {
    for (const input of document.querySelectorAll('input[type=password]')) {
      if (!input.id || input.dataset.reveal === 'off') continue;
      const wrap = document.createElement('span');
      wrap.className = 'password-wrap';
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'reveal';
      button.textContent = say('Show', 'Show');
      button.setAttribute('aria-controls', input.id);
      button.setAttribute('aria-pressed', 'false');
      button.addEventListener('click', () => {
        const shown = input.type === 'password';
        input.type = shown ? 'text' : 'password';
        button.textContent = shown ? say('Hide', 'Hide') : say('Show', 'Show');
        button.setAttribute('aria-pressed', String(shown));
        input.focus();
      });
      wrap.appendChild(button);
      // A password is never posted (or remembered by the browser) as a text field.
      input.form?.addEventListener('submit', () => {
        input.type = 'password';
        button.textContent = say('Show', 'Show');
        button.setAttribute('aria-pressed', 'false');
      });
    }
  }

  // The server's rules (rules.ts), on NFC text, counting code points.
  const SPECIAL = /[\p{P}\p{S}\p{Z}]/u;
  const NUMERAL = /\p{N}/u;
  const UPPER = /[\p{Lu}\p{Lt}]/u;
  const LOWER = /\p{Ll}/u;
  const chars = (s) => Array.from(s);
  const fold = (s) => s.toLowerCase();
  const count = (s, re) => chars(s).filter((c) => re.test(c)).length;
  function sharesRun(candidate, source, run) {
    const cand = fold(candidate);
    const src = chars(fold(source));
    for (let i = 0; i + run <= src.length; i++) if (cand.includes(src.slice(i, i + run).join(''))) return true;
    return false;
  }
  function longestRun(s) {
    let longest = 0;
    let current = 0;
    let previous;
    for (const c of chars(fold(s))) {
      current = c === previous ? current + 1 : 1;
      previous = c;
      longest = Math.max(longest, current);
    }
    return longest;
  }
  const usernameParts = (u) => [u, ...u.split(/[@\\/]/)].filter((part) => part.length > 0);
  const CHECKS = {
    minLength: (c, n) => chars(c).length >= n,
    maxLength: (c, n) => chars(c).length <= n,
    minSpecial: (c, n) => count(c, SPECIAL) >= n,
    mixedCase: (c) => UPPER.test(c) && LOWER.test(c),
    minDigits: (c, n) => count(c, NUMERAL) >= n,
    notPalindrome: (c) => {
      const all = chars(fold(c));
      return all.length < 2 || all.join('') !== all.reverse().join('');
    },
    maxRepeat: (c, n) => longestRun(c) <= n,
    usernameRun: (c, n, ctx) => !ctx.username || !usernameParts(ctx.username).some((u) => sharesRun(c, u, n)),
    oldPasswordRun: (c, n, ctx) => !ctx.oldPassword || !sharesRun(c, ctx.oldPassword, n),
    restrictedPatterns: (c, _n, _ctx, words) => !words.some((w) => fold(c).includes(fold(w.normalize('NFC')))),
  };

  function liveRules() {
    const list = document.getElementById('password-rules');
    const input = document.getElementById('newPassword');
    if (!list || !input) return;
    const old = document.getElementById('oldPassword');
    const username = (list.dataset.username || '').normalize('NFC');
    const status = document.getElementById('password-rules-status');
    const rules = [...list.querySelectorAll('li[data-rule]')].filter((li) => CHECKS[li.dataset.rule]);
    // The rules only the server can check (a breached list, the history) say so.
    for (const li of list.querySelectorAll('li[data-rule]')) {
      if (CHECKS[li.dataset.rule]) continue;
      const note = document.createElement('span');
      note.className = 'rule-note';
      note.textContent = ` · ${say('CheckedOnSubmit', 'checked when you submit')}`;
      li.appendChild(note);
    }
    function mark() {
      const candidate = input.value.normalize('NFC');
      const ctx = { username, oldPassword: old ? old.value.normalize('NFC') : undefined };
      let met = 0;
      for (const li of rules) {
        const state = li.querySelector('.rule-state');
        if (candidate === '') {
          li.classList.remove('live-met', 'live-unmet');
          if (state && !li.classList.contains('unmet')) state.textContent = '';
          continue;
        }
        const words = li.dataset.words ? JSON.parse(li.dataset.words) : [];
        const ok = CHECKS[li.dataset.rule](candidate, Number(li.dataset.limit), ctx, words);
        if (ok) met += 1;
        // The last attempt's mark (the server's) gives way to what is typed now.
        li.classList.remove('unmet');
        li.classList.toggle('live-met', ok);
        li.classList.toggle('live-unmet', !ok);
        if (state) state.textContent = ` ${ok ? say('Met', '(met)') : say('NotMet', '(not met)')}`;
      }
      if (status)
        status.textContent = candidate === '' ? '' : say('RulesMet', '{met} of {total} rules met').replace('{met}', met).replace('{total}', rules.length);
    }
    input.addEventListener('input', mark);
    old?.addEventListener('input', () => input.value && mark());
  }

  // Enter your phone number: the "+1" before the field and the example follow the Country list.
  function followCountry() {
    const country = document.getElementById('country');
    const dial = document.getElementById('number-dial');
    const example = document.querySelector('#number-example .nowrap');
    if (!country || !dial) return;
    country.addEventListener('change', () => {
      const option = country.selectedOptions[0];
      if (!option) return;
      dial.textContent = option.dataset.dial || '';
      if (example) example.textContent = option.dataset.example || '';
    });
  }

  function start() {
    addRevealButtons();
    liveRules();
    followCountry();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
